"""Records as expressions see them: `record.member.tier` follows a link by loading its target.

Targets load lazily (a condition that never reaches `record.member.tier` costs no query), once per
evaluation context (a loop over many events naming the same member loads it once), and in batches:
views made together with `EvalContext.views` announce their link targets, and the first miss on a
table loads every announced id of that table in one query.
"""
from __future__ import annotations

from collections import defaultdict
from types import MappingProxyType

import sqlalchemy as sa

from engines.expr.errors import ExpressionError

_EMPTY = MappingProxyType({})
BATCH = 500                 # ids per IN (...): well under every database's parameter limit


def link_id(value):
    """The id a link value stands for: a RecordView, a LinkValue (id, title) or the id itself."""
    if isinstance(value, RecordView):
        return value.id
    return getattr(value, "id", value)


class RecordView:
    """One record of `table`, read-only; a link field's value is the target's RecordView.

    Either built from its values, or from an id alone (a link target), in which case the values
    load on the first access to anything but `id`. Names starting with '_' are unreachable from
    expressions (refused at compile time and by simpleeval), so the slots below stay private.
    """
    __slots__ = ("_table", "_id", "_values", "_ctx", "_fields", "_links", "_plain")

    def __init__(self, ctx, table: str, values: dict | None = None, id=None):
        self._ctx, self._table = ctx, table
        self._id = values.get("id") if values is not None else id
        self._fields, self._links = ctx.cache.shape(table)
        self._set(values)

    def _set(self, values):
        # _plain: the loaded values that are not links, which compiled code reads inline
        self._values = values
        links = self._links
        self._plain = _EMPTY if values is None else values if not links else \
            {k: v for k, v in values.items() if k not in links}

    @property
    def id(self):
        return self._id

    def read(self, name: str):
        """The value of field `name`; a link's value is its target's view (loaded on use)."""
        values = self._values
        if values is None:
            if name == "id":             # record.member.id needs no query
                return self._id
            values = self._ctx.cache.get(self._table, self._id)
            if values is None:
                raise ExpressionError(f"{self._table} #{self._id} does not exist")
            self._set(values)
        try:
            value = values[name]
        except KeyError:
            if name not in self._fields:
                raise AttributeError(name) from None
            computed = self._ctx.computed     # a rollup or lookup: not in the row, worked out on use
            if computed is None or self._id is None:
                return None
            value = values[name] = computed(self._table, values, name)
            return value
        if value is not None and name in self._links:
            return self._ctx.cache.view(self._links[name], link_id(value))
        return value

    def __getattr__(self, name):      # only for names that are not slots: the record's fields
        if name.startswith("_"):
            raise AttributeError(name)
        return self.read(name)

    def __getitem__(self, name):   # record['field'] reads the same as record.field
        try:
            return self.read(name) if name != "id" else self._id
        except AttributeError:
            raise KeyError(name) from None

    def _key(self):
        return self._table, self._id

    def __eq__(self, other):
        if isinstance(other, RecordView):
            return self._key() == other._key()
        if isinstance(other, int) and not isinstance(other, bool):
            return self._id == other             # record.member == 5 compares ids
        return NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"<{self._table} #{self._id}>"


class RecordCache:
    """Loaded records of one evaluation context: table -> id -> values (None: no such record)."""

    def __init__(self, ctx):
        self._ctx = ctx
        self._loaded: dict[str, dict] = defaultdict(dict)
        self._wanted: dict[str, set] = defaultdict(set)
        self._shapes: dict[str, tuple] = {}

    def shape(self, table: str):
        """(fields, {link field: target table}) of `table`, worked out once per context."""
        shape = self._shapes.get(table)
        if shape is None:
            form = self._ctx.form
            fields = form.tables[table].fields if form is not None and table in form.tables else {}
            links = {n: f.table for n, f in fields.items() if f.type == "link"}
            shape = self._shapes[table] = (fields, links)
        return shape

    def view(self, table: str, rid) -> RecordView:
        if rid not in self._loaded[table]:
            self._wanted[table].add(rid)
        return RecordView(self._ctx, table, id=rid)

    def announce(self, table: str, values: dict) -> RecordView:
        """A view of a record the caller already holds, its link targets queued for one batch."""
        for name, target_table in self.shape(table)[1].items():
            target = values.get(name)
            if target is not None and link_id(target) not in self._loaded[target_table]:
                self._wanted[target_table].add(link_id(target))
        return RecordView(self._ctx, table, values=values)

    def get(self, table: str, rid):
        loaded = self._loaded[table]
        if rid not in loaded:
            ids = sorted(self._wanted.pop(table, set()) | {rid})
            for start in range(0, len(ids), BATCH):
                self._load(table, ids[start:start + BATCH])
        return loaded.get(rid)

    def forget(self, table: str | None = None) -> None:
        """Drop loaded records (of one table), e.g. after the caller wrote to them."""
        if table is None:
            self._loaded.clear()
        else:
            self._loaded.pop(table, None)

    def reset(self) -> None:
        """As new: nothing loaded, nothing queued (the context serves another evaluation)."""
        self._loaded.clear()
        self._wanted.clear()

    def _load(self, table: str, ids: list) -> None:
        form, conn = self._ctx.form, self._ctx.need_connection(f"reading {table}")
        sql, fields = form.sql[table], form.tables[table].fields
        loaded = self._loaded[table]
        for rid in ids:
            loaded[rid] = None
        rows = self._ctx.rows(table, ids) if self._ctx.rows is not None else \
            conn.execute(sa.select(sql).where(sql.c.id.in_(ids))).mappings()
        for row in rows:
            loaded[row["id"]] = loaded_values(form, fields, row)


def loaded_values(form, fields, row) -> dict:
    """A database row as a link target's values: its fields decoded, the system columns as they are."""
    values = dict(row)
    for name, value in row.items():
        f = fields.get(name)
        if f is not None and value is not None:
            values[name] = form.ftype(f).from_db(f, value)
    return values
