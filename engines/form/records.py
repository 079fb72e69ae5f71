"""The one write path: every create/update/delete of every source goes through a Writer.

coerce + validate (all field errors at once) -> write -> emit record events to subscribers inside
the same transaction -> commit; any exception anywhere rolls the whole unit of work back.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any, Mapping

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.access import forbidden
from engines.form.errors import Conflict, NotFound, RecordError, ValidationFailed
from engines.form.events import After, RecordEvent
from engines.form.fields import FieldError
from engines.form.ledger.definition import balance_fields
from engines.form.ledger.post import append_only, apply_entry, entry_columns
from engines.form.reading import decode_row, load_join_values, scoped
from engines.form.runtime import FormApp
from engines.form.system import next_sequence

MAX_CASCADE_DEPTH = 8
_MISSING = object()


class RecordService:
    def __init__(self, form: FormApp):
        self.form = form

    """`access` (engines.form.access.Access) is the person's permissions; None writes as the system.
    Records returned to a person leave out the fields they may not read."""

    @contextmanager
    def unit_of_work(self, actor: int | None = None, source: str = "api", access=None):
        """A transaction and its Writer. Subscribers may leave work for after it ends (Writer.after):
        deliveries after the commit, run-log entries of a failed rule after the rollback."""
        after = After()
        try:
            with self.form.engine.execution_options(tessera_write=True).begin() as conn:
                yield Writer(self.form, conn, actor, source, access=access, after=after)
        except BaseException as exc:
            after.rolled_back(exc)
            raise
        after.committed()

    def get(self, table, record_id, access=None) -> dict:
        """Read one record (no write lock)."""
        with self.form.engine.connect() as conn:
            w = Writer(self.form, conn, None, "read", access=access)
            return _for_person(w, table, w.read(table, record_id))

    def create(self, table, values, actor=None, source="api", access=None):
        with self.unit_of_work(actor, source, access) as w:
            return _for_person(w, table, w.create(table, values))

    def update(self, table, record_id, values, actor=None, source="api", access=None):
        with self.unit_of_work(actor, source, access) as w:
            return _for_person(w, table, w.update(table, record_id, values))

    def delete(self, table, record_id, actor=None, source="api", access=None):
        with self.unit_of_work(actor, source, access) as w:
            return _for_person(w, table, w.delete(table, record_id))


    def check(self, table, record_id, action, access) -> None:
        """Raise NotFound/Forbidden unless the person may `action` this record (for pages that offer it)."""
        if access is not None:
            with self.form.engine.connect() as conn:
                Writer(self.form, conn, None, "read", access=access)._check_scope(self.form.tables[table], record_id,
                                                                                 action)


def _for_person(w, table, record):
    """The record as the writer's person may see it: lookups and rollups over what they may read,
    without the fields they may not. As the system, the record as it is."""
    if w.access is None:
        return record
    t = w.form.tables[table]
    sources = {t.fields[f.settings["link"]].table if f.type == "lookup" else f.table
               for f in t.fields.values() if f.type in ("lookup", "rollup")}
    if any(w.access.rows(s, "read") is not None for s in sources):   # computed over rows they may not read
        record = dict(record)
        load_join_values(w.form, w.conn, t, [record], w.access)
    return w.access.redact(table, record)


class Writer:
    """Writes inside one transaction; subscribers get the same writer to cascade their writes."""

    def __init__(self, form: FormApp, conn, actor, source, depth: int = 0, access=None, after=None):
        self.form, self.conn, self.actor, self.source, self.depth = form, conn, actor, source, depth
        self.access = access
        self.after = after if after is not None else After()
        self.writes = 0

    # -- public --------------------------------------------------------------------------
    def create(self, table: str, values: Mapping[str, Any], ledger: Mapping[str, Any] | None = None) -> dict:
        """`ledger`: the system columns of a ledger entry (engines/form/ledger/post.py passes them)."""
        t = self._table(table)
        self.writes += 1
        if self.access is not None:
            self.access.require(table, "create")
        clean, joins = self._clean(t, values, old=None)
        now = _utcnow()
        self._fill_auto_numbers(t, clean, now)
        self._compute_formulas(t, clean)
        row = {**{k: self._to_db(t, k, v) for k, v in clean.items()},
               "created_at": now, "updated_at": now, "created_by": self.actor, "updated_by": self.actor}
        if t.ledger is not None:        # every create of an entry is a post, whoever makes it
            row.update(entry_columns(t, clean, ledger or {}))
        sql = self.form.sql[table]
        try:
            with self.conn.begin_nested():
                new_id = self.conn.execute(sql.insert().values(**row)).inserted_primary_key[0]
        except sa.exc.IntegrityError as exc:
            raise self._integrity(t, exc) from None
        self._write_joins(t, new_id, joins)
        self._check_result(t, new_id, "create")       # `own`: the new record must be theirs
        if t.ledger is not None:
            apply_entry(self, t, new_id, clean, ledger or {})
        record = self.get(table, new_id)
        if self._emit("created", t, new_id, None, record, frozenset(clean) | frozenset(joins)):
            record = self.get(table, new_id)        # as the rules left it
        return record

    def update(self, table: str, record_id: int, values: Mapping[str, Any]) -> dict:
        t = self._table(table)
        self.writes += 1
        self._check_scope(t, record_id, "update")
        if t.ledger is not None:
            raise append_only(t)
        old = self.get(table, record_id, lock=True)
        clean, joins = self._clean(t, values, old=old)
        merged = {**old, **clean}
        self._compute_formulas(t, merged)
        clean.update({k: merged[k] for k, f in t.fields.items() if f.type == "formula"})
        changed = {k for k, v in clean.items() if old.get(k) != v}
        changed |= {k for k, v in joins.items() if sorted(old.get(k) or []) != v}
        if not changed:
            return old
        row = {k: self._to_db(t, k, clean[k]) for k in changed if k not in joins}
        row.update(updated_at=_utcnow(), updated_by=self.actor)
        sql = self.form.sql[table]
        try:
            with self.conn.begin_nested():
                self.conn.execute(sql.update().where(sql.c.id == record_id).values(**row))
        except sa.exc.IntegrityError as exc:
            raise self._integrity(t, exc) from None
        self._write_joins(t, record_id, {k: v for k, v in joins.items() if k in changed}, replace=True)
        self._check_result(t, record_id, "update")    # and it may not be moved out of their reach
        record = self.get(table, record_id)
        if self._emit("updated", t, record_id, old, record, frozenset(changed)):
            record = self.get(table, record_id)     # as the rules left it
        return record

    def delete(self, table: str, record_id: int) -> dict:
        t = self._table(table)
        self.writes += 1
        self._check_scope(t, record_id, "delete")
        if t.ledger is not None:
            raise append_only(t)
        old = self.get(table, record_id, lock=True)
        for other, fname in self.form.links_to(table):
            osql = self.form.sql[other]
            n = self.conn.execute(sa.select(sa.func.count()).select_from(osql)
                                  .where(osql.c[fname] == record_id)).scalar_one()
            if n:
                label = self.form.table(other).label
                raise Conflict(msg(f"cannot delete: {n} record(s) in '{label.en}' link to it",
                                   f"无法删除：{label.zh} 中有 {n} 条记录关联到它"))
        sql = self.form.sql[table]
        self.conn.execute(sql.delete().where(sql.c.id == record_id))
        self._emit("deleted", t, record_id, old, None, frozenset())
        return old

    def child(self) -> "Writer":
        """A writer for the rules this write starts: same transaction, the system's permissions, and
        source "rule" (so the audit log tells a rule's writes from the person's)."""
        return Writer(self.form, self.conn, self.actor, "rule", self.depth + 1, after=self.after)

    def validate(self, table: str, values: Mapping[str, Any]) -> None:
        """Check `values` as `create` would (every field error at once), writing nothing."""
        self._clean(self._table(table), values, old=None)

    def read(self, table: str, record_id: int) -> dict:
        """`get` for a person: a record outside what they may read is not found."""
        self._check_scope(self._table(table), record_id, "read")
        return self.get(table, record_id)

    def get(self, table: str, record_id: int, lock: bool = False) -> dict:
        t = self._table(table)
        sql = self.form.sql[table]
        stmt = sa.select(sql).where(sql.c.id == record_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).mappings().first()
        if row is None:
            raise _not_found(t, record_id)
        record = decode_row(self.form, t, row)
        load_join_values(self.form, self.conn, t, [record])
        return record

    # -- permissions -----------------------------------------------------------------------
    def _check_scope(self, t, record_id, action):
        """Refuse when the person may not `action` this record. A record they may not read is
        not found: its existence is not theirs to know."""
        if self.access is None:
            return
        if action != "create":
            self.access.require(t.name, "read")
            if not self._in_rows(t, record_id, "read"):
                raise _not_found(t, record_id)
        if action != "read":
            self._check_result(t, record_id, action)

    def _check_result(self, t, record_id, action):
        """The record (as written) is one the person may `action`."""
        if self.access is None:
            return
        self.access.require(t.name, action)
        if not self._in_rows(t, record_id, action):
            raise forbidden(action, t.label)

    def _in_rows(self, t, record_id, action) -> bool:
        cond = self.access.rows(t.name, action)
        if cond is None:
            return True
        sql = self.form.sql[t.name]
        return self.conn.execute(sa.select(sql.c.id).where(sql.c.id == record_id, cond)).first() is not None

    # -- validation ------------------------------------------------------------------------
    def _table(self, name):
        if name not in self.form.tables:
            raise NotFound(msg(f"no table '{name}'", f"没有数据表 {name}"))
        return self.form.tables[name]

    def _clean(self, t, values, old):
        """Coerce and validate the input; return (column values, multi_link values)."""
        if not isinstance(values, Mapping):
            raise RecordError(msg("expected an object of field values", "需要字段值对象"))
        errors: dict[str, Label] = {}
        for key in values:
            if key not in t.fields:
                errors[key] = msg("unknown field", "没有这个字段")
        clean, joins = {}, {}
        creating = old is None
        hidden = self.access.hidden(t.name) if self.access is not None else frozenset()
        locked = self.access.readonly(t.name, "create" if creating else "update") if self.access is not None \
            else frozenset()
        balances = {f: led for (acc, f), led in balance_fields(self.form.tables).items() if acc == t.name}
        for key in values:
            if key in hidden:
                errors[key] = msg("unknown field", "没有这个字段")
        for name, f in t.fields.items():
            ftype = self.form.ftype(f)
            raw = values.get(name, _MISSING)
            if name in hidden:
                raw = _MISSING
            if ftype.computed or not ftype.stored:
                if raw is not _MISSING and raw not in (None, ""):
                    errors[name] = msg("is computed and cannot be set", "由系统计算，不能填写")
                continue
            if raw is _MISSING and not creating:
                continue
            try:
                value = ftype.default_value(f) if raw is _MISSING else ftype.coerce(f, raw)
                if not creating and f.readonly and self.source in ("page", "api") and value != old.get(name):
                    raise FieldError(msg("is read-only", "只读，不能修改"))
                if name in balances and raw is not _MISSING and \
                        value != (ftype.default_value(f) if creating else old.get(name)):
                    raise FieldError(msg(f"changes only through the ledger '{balances[name]}'",
                                         f"只能通过账本 {balances[name]} 变动"))
                if name in locked and raw is not _MISSING and \
                        value != (ftype.default_value(f) if creating else old.get(name)):
                    raise FieldError(msg("you may not set this field", "你没有权限填写此字段"))
                if value is None or value == []:
                    if f.required:
                        raise FieldError(msg("is required", "必填"))
                else:
                    ftype.validate(f, value)
            except FieldError as exc:
                errors[name] = exc.message
                continue
            (joins if ftype.join_table else clean)[name] = value
        if not errors:
            self._check_references(t, clean, joins, errors)
            self._check_unique(t, clean, None if creating else old["id"], errors)
        if errors:
            only_conflicts = all(e.en.startswith("is already used") for e in errors.values())
            raise ValidationFailed(errors, status=409 if only_conflicts else 422)
        return clean, joins

    def _check_references(self, t, clean, joins, errors):
        for name, f in t.fields.items():
            ids = ([clean.get(name)] if f.type == "link" else joins.get(name) if f.type == "multi_link" else None)
            ids = [i for i in (ids or []) if i is not None]
            if not ids:
                continue
            target = self.form.sql[f.table]
            # a person may link only records they may read: the others are "not there" for them
            stmt = scoped(sa.select(target.c.id).where(target.c.id.in_(ids)), self.access, f.table)
            found = set(self.conn.execute(stmt).scalars())
            missing = [i for i in ids if i not in found]
            if missing:
                label = self.form.table(f.table).label
                errors[name] = msg(f"no record {missing[0]} in '{label.en}'", f"{label.zh} 中没有编号为 {missing[0]} 的记录")

    def _check_unique(self, t, clean, record_id, errors):
        sql = self.form.sql[t.name]
        for name, f in t.fields.items():
            if not f.unique or clean.get(name) is None:
                continue
            stmt = sa.select(sql.c.id).where(sql.c[name] == self._to_db(t, name, clean[name])).limit(1)
            if record_id is not None:
                stmt = stmt.where(sql.c.id != record_id)
            if self.conn.execute(stmt).first():
                errors[name] = msg("is already used by another record", "已被其他记录使用")

    def _integrity(self, t, exc) -> RecordError:
        text = str(exc.orig).lower()
        for name, f in t.fields.items():
            if f.unique and name in text:
                return ValidationFailed({name: msg("is already used by another record", "已被其他记录使用")}, 409)
        return Conflict(msg("the record conflicts with existing data", "与已有数据冲突"))

    # -- computed values ---------------------------------------------------------------------
    def _fill_auto_numbers(self, t, clean, now):
        local = now.replace(tzinfo=dt.timezone.utc).astimezone(self.form.timezone)
        for name, f in t.fields.items():
            if f.type == "auto_number":
                ftype = self.form.ftype(f)
                period = ftype.period_key(f, local)
                n = next_sequence(self.conn, self.form.sequences, self.form.name, t.name, name, period)
                clean[name] = ftype.render(f, local, n)

    def _compute_formulas(self, t, values):
        for name, f in t.fields.items():
            if f.type == "formula":
                values[name] = self.form.ftype(f).compute(f, values)

    def _to_db(self, t, name, value):
        f = t.fields[name]
        return None if value is None else self.form.ftype(f).to_db(f, value)

    def _write_joins(self, t, record_id, joins, replace=False):
        for name, ids in joins.items():
            jt = self.form.sql.joins[(t.name, name)]
            if replace:
                self.conn.execute(jt.delete().where(jt.c.source_id == record_id))
            if ids:
                self.conn.execute(jt.insert(), [{"source_id": record_id, "target_id": i} for i in ids])

    # -- events ------------------------------------------------------------------------------
    def _emit(self, kind, t, record_id, old, new, changed) -> bool:
        """Tell the subscribers; True when they wrote something (the record may have changed)."""
        subs = self.form.subscribers.for_table(t.name)
        if not subs:
            return False
        if self.depth >= MAX_CASCADE_DEPTH:
            raise RecordError(msg(f"rules cascade deeper than {MAX_CASCADE_DEPTH} writes; check for a loop",
                                  f"规则级联超过 {MAX_CASCADE_DEPTH} 层，请检查是否有循环"))
        event = RecordEvent(kind=kind, app=self.form.name, table=t.name, id=record_id, old=old, new=new,
                            actor=self.actor, source=self.source, changed=changed)
        child = self.child()
        for sub in subs:
            sub(event, child)
        return child.writes > 0


def _not_found(t, record_id) -> NotFound:
    return NotFound(msg(f"no record {record_id} in '{t.label.en}'", f"{t.label.zh} 中没有编号为 {record_id} 的记录"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
