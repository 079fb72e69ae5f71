"""The quick replay's rows: what it has read of the scratch copy and what it has written since its
last flush, in memory; the flush writes it with one executemany per table and column set.

Rows are held as the driver gives them back (the types' result processors applied), and a value
written is held as it would read back: the record service reads its own writes back the same way
(UPDATE ... RETURNING), so a rule later in the cascade sees the same values on both paths. A value
of the column's own Python type reads back as itself; a NUMERIC with a scale goes through its bind
and result processors; any other value (one SQLite's affinity might convert) is a `Deopt`.

An event's writes are journalled, so that an event the quick replay cannot finish leaves nothing:
`undo_event` puts back what it changed before the replay flushes and hands it to the record service.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engines.expr.records import loaded_values
from engines.form.reading import decode_changed, decode_row
from engines.form.statements import RID
from runtime.simulate.quick.errors import Deopt
from runtime.simulate.quick.flush import write_ops

KEPT = 20_000        # rows kept known across flushes (the members a batch of events touches, say)

# types whose value reads back from SQLite as it was bound (no affinity conversion), and the Python
# type that reads back as itself (a naive datetime: SQLite's DATETIME text keeps its microseconds)
_EXACT = ((sa.Boolean, bool), (sa.Integer, int), (sa.String, str), (sa.Text, str), (sa.DateTime, dt.datetime),
          (sa.Date, dt.date))
# a NUMERIC with a scale is bound as a float and read back as a Decimal at that scale, whether
# SQLite kept it as REAL or, whole, as INTEGER: bind then result processor give what a read gives
_ROUND_TRIP = object()


class Overlay:
    def __init__(self, form, conn):
        self.form, self.conn = form, conn
        self.dialect = conn.dialect
        self.rows: dict[str, dict] = {}         # table -> id -> row (None: no such row)
        self.dirty: dict[str, dict] = {}        # table -> id -> columns written since the flush
        self.inserted: dict[str, list] = {}     # table -> (id, its values as inserted) since the flush
        self.ops: list = []                     # ("insert" | "update", table, id, values as read), in order
        self.keys: dict[str, dict] = {}         # ledger table -> ledger key -> entry id, since the flush
        self.next_ids: dict[str, int] = {}
        self.numbers: dict[tuple, int] = {}     # (table, field, period) -> the auto number's counter
        self.numbers_dirty: set = set()         # counters moved since the flush
        self.journal: list = []                 # undo steps of the event under way
        # table -> where -> ids for_each found, until the next flush: a table written since is not
        # `untouched` (for_each hands over), and one written before the flush may be read afresh
        self.found: dict = {}
        self._decoded: dict = {}                # table -> id -> (row, its record)
        self._linked: dict = {}                 # table -> id -> (row, its values as a link target)
        self._columns: dict[str, dict] = {}     # table -> column -> (bind, result) processors

    # -- reading ---------------------------------------------------------------------------------
    def row(self, table: str, rid):
        rows = self.rows.setdefault(table, {})
        if rid in rows:
            return rows[rid]
        statements = self.form.statements
        found = statements.run(self.conn, statements.select_row(table), {RID: rid}).first()
        rows[rid] = found
        return found

    def record(self, table: str, row: dict) -> dict:
        """The row decoded as the record service decodes it (reading.decode_row), once per row."""
        cached = self._decoded.setdefault(table, {})
        hit = cached.get(row["id"])
        if hit is None or hit[0] is not row:
            hit = cached[row["id"]] = (row, decode_row(self.form, self.form.tables[table], row))
        return hit[1]

    def linked(self, table: str, row: dict) -> dict:
        """The row as a link target's values (engines/expr/records.py), once per row."""
        cached = self._linked.setdefault(table, {})
        hit = cached.get(row["id"])
        if hit is None or hit[0] is not row:
            hit = cached[row["id"]] = (row, loaded_values(self.form, self.form.tables[table].fields, row))
        return hit[1]

    def key_id(self, table: str, key: str):
        """The id of the entry holding ledger key `key`, or None."""
        if key in self.keys.get(table, ()):
            return self.keys[table][key]
        statements = self.form.statements
        return statements.run(self.conn, statements.by_column(table, "ledger_key"), {"value": key}).scalar()

    def matching(self, table: str, shape, params) -> list:
        """Ids of the rows made here since the flush that match a where (engines/expr/data.py's
        bind_where shape and parameters), lowest first. Deopt when a row of the copy was changed here
        in a field the where names (the copy's answer would be out of date), or when a value would
        compare otherwise in SQL than here (another type)."""
        names = {name for name, _kind in shape}
        made = [rid for rid, _cols in self.inserted.get(table, ())]
        fresh = set(made)
        for rid, cols in self.dirty.get(table, {}).items():
            if rid not in fresh and cols & names:
                raise Deopt(f"{table} #{rid} changed in a field find_or_create looks for")
        rows = self.rows.get(table, {})
        return [rid for rid in made if _matches(rows[rid], shape, params)]

    def next_number(self, table: str, field: str, period: str) -> int:
        """engines/form/system.py's next_sequence, the counter held here until the flush."""
        key = (table, field, period)
        if key not in self.numbers:
            seq = self.form.sequences
            self.numbers[key] = self.conn.execute(sa.select(seq.c.value).where(
                seq.c.app == self.form.name, seq.c.tbl == table, seq.c.field == field, seq.c.period == period)
            ).scalar() or 0
        self.journal.append(("number", key, None, self.numbers[key], key in self.numbers_dirty))
        self.numbers[key] += 1
        self.numbers_dirty.add(key)
        return self.numbers[key]

    def unique_taken(self, table: str, name: str, value, record_id, holders) -> bool:
        """Whether a record other than `record_id` holds `value` (as bound) in `name`: among the rows
        changed or made here since the flush, as they are now; among `holders` (the copy's, as last
        flushed), those not held here with another value."""
        wanted = self._as_read(table, {name: value})[name]
        rows = self.rows.get(table, {})
        for rid in [*self.dirty.get(table, {}), *(rid for rid, _cols in self.inserted.get(table, ()))]:
            if rid != record_id and rows[rid][name] == wanted:
                return True
        return any((row := rows.get(rid)) is None or row[name] == wanted for rid in holders)

    def untouched(self, table: str) -> bool:
        """Nothing of `table` is waiting to be flushed: a query of the scratch copy sees it as it is."""
        return not self.dirty.get(table) and not self.inserted.get(table)

    # -- writing -----------------------------------------------------------------------------------
    def update(self, table: str, rid, values: dict) -> dict:
        """Write `values` (column -> value to bind) to the row; returns the row as it reads back."""
        old = self.row(table, rid)
        if old is None:
            raise Deopt(f"{table} #{rid} is not there")
        new = {**old, **self._as_read(table, values)}
        self._decode_along(table, rid, old, new, values)
        dirty = self.dirty.setdefault(table, {})
        before = dirty.get(rid)
        self.journal.append(("update", table, rid, old, before))
        dirty[rid] = (before or frozenset()) | frozenset(values)
        self.rows[table][rid] = new
        self.ops.append(("update", table, rid, {k: new[k] for k in values}))
        return new

    def insert(self, table: str, values: dict, key: str | None = None) -> dict:
        """A new row with the next id (as SQLite's AUTOINCREMENT would give it); returns it as read back."""
        rid = self.next_ids.get(table) or self._first_free(table)
        self.next_ids[table] = rid + 1
        given = {"id": rid, **self._as_read(table, values)}
        row = {c.name: None for c in self.form.sql[table].c}
        row.update(given)
        self.journal.append(("insert", table, rid, key, None))
        self.rows.setdefault(table, {})[rid] = row
        self.inserted.setdefault(table, []).append((rid, given))
        self.ops.append(("insert", table, rid, given))
        if key is not None:
            self.keys.setdefault(table, {})[key] = rid
        return row

    def _decode_along(self, table, rid, old, new, names) -> None:
        """The decoded forms of `old`, if made, brought up to `new` by the columns written alone."""
        t = self.form.tables[table]
        hit = self._decoded.get(table, {}).get(rid)
        if hit is not None and hit[0] is old:
            self._decoded[table][rid] = (new, decode_changed(self.form, t, hit[1], new, names))
        hit = self._linked.get(table, {}).get(rid)
        if hit is not None and hit[0] is old:
            changed = loaded_values(self.form, t.fields, {name: new[name] for name in names})
            self._linked[table][rid] = (new, {**hit[1], **changed})

    def begin_event(self) -> None:
        self.journal = []

    def undo_event(self) -> None:
        """Put back everything the event under way changed (newest first)."""
        for kind, table, rid, old, before in reversed(self.journal):
            if kind == "number":                # table: the counter's key; old: its value; before: was dirty
                self.numbers[table] = old
                if not before:
                    self.numbers_dirty.discard(table)
            elif kind == "update":
                self.ops.pop()
                self.rows[table][rid] = old
                if before is None:
                    self.dirty[table].pop(rid, None)
                else:
                    self.dirty[table][rid] = before
            else:
                del self.rows[table][rid]
                self.inserted[table].pop()
                self.ops.pop()
                self.next_ids[table] = rid
                if old is not None:
                    del self.keys[table][old]
        self.journal = []

    def flush(self) -> None:
        """Write what changed since the last flush. The rows stay known: nobody else writes until
        `forget` (the record service's turn)."""
        write_ops(self.form, self.conn, self.ops, self.dirty, self.rows)
        for table, made in self.inserted.items():        # new entries are seldom read again
            for rid, _cols in made:
                self.rows[table].pop(rid, None)
                self._decoded.get(table, {}).pop(rid, None)
                self._linked.get(table, {}).pop(rid, None)
        if self.numbers_dirty:
            seq = self.form.sequences
            upsert = sqlite_insert(seq)
            conn = self.conn
            conn.execute(upsert.on_conflict_do_update(index_elements=[seq.c.app, seq.c.tbl, seq.c.field, seq.c.period],
                                                      set_={"value": upsert.excluded.value}),
                         [{"app": self.form.name, "tbl": t, "field": f, "period": p, "value": self.numbers[(t, f, p)]}
                          for t, f, p in sorted(self.numbers_dirty)])
        self.dirty, self.inserted, self.keys, self.journal, self.found = {}, {}, {}, [], {}
        self.ops, self.numbers_dirty = [], set()

    def prefetch(self, wanted: dict) -> None:
        """The rows of {table: ids} not held yet, and the records they link to (an order's member,
        whom its rules read and credit), read a few hundred to a query. Rows held past KEPT are
        dropped first (when all is flushed), so that memory stays flat over a long period."""
        if not self.dirty and not self.inserted and sum(len(rows) for rows in self.rows.values()) > KEPT:
            self.rows, self._decoded, self._linked = {}, {}, {}
        targets: dict = {}
        for table, ids in wanted.items():
            rows = self._read(table, ids)
            for name, f in self.form.link_fields[table]:
                if f.type == "link":
                    targets.setdefault(f.table, set()).update(
                        row[name] for rid in ids if (row := rows[rid]) is not None and row[name] is not None)
        for table, ids in targets.items():
            self._read(table, ids)

    def _read(self, table: str, ids) -> dict:
        statements = self.form.statements
        rows = self.rows.setdefault(table, {})
        missing = sorted({rid for rid in ids if rid not in rows})
        for start in range(0, len(missing), 500):
            part = missing[start:start + 500]
            for rid in part:
                rows[rid] = None
            for found in self.conn.execute(statements.select_rows(table), {"ids": part}).mappings():
                rows[found["id"]] = dict(found)
        return rows

    def forget(self) -> None:
        """Drop every row read and id counted: the record service writes next."""
        self.flush()
        self.rows, self.next_ids, self.numbers, self._decoded, self._linked = {}, {}, {}, {}, {}

    # -- inside ------------------------------------------------------------------------------------
    def _first_free(self, table: str) -> int:
        name = self.form.sql[table].name
        raw = self.conn.connection.driver_connection
        seq = raw.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)).fetchone()
        top = raw.execute(f'SELECT max(id) FROM "{name}"').fetchone()   # noqa: S608 (our own table name)
        return max(seq[0] if seq else 0, top[0] or 0) + 1

    def _processors(self, table: str) -> dict:
        found = self._columns.get(table)
        if found is None:
            found = self._columns[table] = {}
            for c in self.form.sql[table].c:
                impl = c.type.dialect_impl(self.dialect)
                same = next((kind for sa_type, kind in _EXACT if isinstance(c.type, sa_type)), None)
                if same is None and isinstance(c.type, sa.Numeric) and not isinstance(c.type, sa.Float) \
                        and c.type.scale is not None:
                    same = _ROUND_TRIP
                found[c.name] = (same, impl.bind_processor(self.dialect), impl.result_processor(self.dialect, None))
        return found

    def _as_read(self, table: str, values: dict) -> dict:
        procs, out = self._processors(table), {}
        for name, value in values.items():
            same, bind, result = procs[name]
            if value is None or type(value) is same and (same is not dt.datetime or value.tzinfo is None):
                out[name] = value
                continue
            if same is not _ROUND_TRIP:         # SQLite's affinity might convert it on the way in
                raise Deopt(f"{table}.{name} may not read back as written")
            stored = bind(value) if bind is not None else value
            out[name] = result(stored) if result is not None else stored
        return out


def _matches(row, shape, params) -> bool:
    for i, (name, kind) in enumerate(shape):
        value = row[name]
        if kind == "null":
            if value is not None:
                return False
            continue
        wanted = params[f"w{i}"]
        options = [wanted] if kind == "eq" else wanted
        if value is None:
            return False
        if any(type(option) is not type(value) for option in options):
            raise Deopt(f"{name}: a value of another type than the field's")
        if value not in options:
            return False
    return True
