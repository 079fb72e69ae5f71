"""The one write path: every create/update/delete of every source goes through a Writer.

coerce + validate (all field errors at once) -> write -> emit record events to subscribers inside
the same transaction -> commit; any exception anywhere rolls the whole unit of work back.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any, Mapping

import sqlalchemy as sa

from engines.common import clock
from engines.common.labels import msg
from engines.form.access import forbidden
from engines.form.errors import Conflict, NotFound, RecordError, ValidationFailed
from engines.form.events import After, RecordEvent
from engines.form.ledger.post import append_only, entry_columns, insert_entry
from engines.form.reading import load_join_values
from engines.form.record_reads import computed_value, not_found, read_row, record_of, rows_for
from engines.form.runtime import FormApp
from engines.form.statements import RID
from engines.form.system import next_sequence
from engines.form.unit import UnitState
from engines.form.validation import clean_values, holders

MAX_CASCADE_DEPTH = 8


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
            with self.form.write_engine.begin() as conn:
                writer = Writer(self.form, conn, actor, source, access=access, after=after,
                                unit=UnitState(flush_at_commit=True))
                yield writer
                writer.unit.flush(conn, self.form.statements)   # buffered audit and run-log rows, before the commit
        except BaseException as exc:
            after.rolled_back(exc)
            raise
        after.committed()

    @contextmanager
    def savepoint_of(self, conn, actor: int | None = None, source: str = "api", audited: bool = True,
                     batch: UnitState | None = None):
        """`unit_of_work` as a savepoint of `conn`'s open transaction, which the caller commits (the
        simulation's replay: many events per commit). A refusal rolls back only this savepoint; the
        after-rollback work (a failed rule's run-log row) is then done on `conn` itself, since on
        SQLite a second connection would wait for the write lock `conn` holds. `audited=False`: no
        audit entries (a scratch copy whose audit log nobody reads). `batch`: the unit's buffered
        rows (audit, run log) join it when the savepoint is released, for the caller to flush once
        before its commit, instead of one insert per unit."""
        after = After(conn)
        if not conn.in_transaction():
            conn.begin()                # the BEGIN the driver-level SAVEPOINT below must come after
        # on the driver's connection, not conn.begin_nested() nor even exec_driver_sql: the three
        # statements were a fifth, then a tenth, of the cost of a simple event
        raw = conn.connection.driver_connection
        raw.execute("SAVEPOINT tessera_unit")
        try:
            writer = Writer(self.form, conn, actor, source, after=after, unit=UnitState(flush_at_commit=True))
            writer.unit.audited = audited
            yield writer
            if batch is None:
                writer.unit.flush(conn, self.form.statements)
        except BaseException as exc:
            raw.execute("ROLLBACK TO SAVEPOINT tessera_unit")
            raw.execute("RELEASE SAVEPOINT tessera_unit")
            after.rolled_back(exc)
            raise
        raw.execute("RELEASE SAVEPOINT tessera_unit")
        if batch is not None:
            batch.adopt(writer.unit)
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

    def __init__(self, form: FormApp, conn, actor, source, depth: int = 0, access=None, after=None, unit=None):
        self.form, self.conn, self.actor, self.source, self.depth = form, conn, actor, source, depth
        self.access = access
        self.after = after if after is not None else After()
        self.unit = unit if unit is not None else UnitState()
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
        if t.ledger is None:
            new_id = self._written(t, self._guarded(t, row), lambda: self._insert(t, row))
        else:       # every create of an entry is a post, whoever makes it: balance, entry, lots
            row.update(entry_columns(t, clean, ledger or {}))
            new_id = insert_entry(self, t, clean, ledger or {}, row)
        self.unit.wrote(self.form, table)
        self._write_joins(t, new_id, joins)
        self._check_result(t, new_id, "create")       # `own`: the new record must be theirs
        record = self.get(table, new_id)
        if self._emit("created", t, new_id, None, record, frozenset(clean) | frozenset(joins)):
            record = self.get(table, new_id)        # as the rules left it
        return self._done(record)

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
        self._written(t, self._guarded(t, row), lambda: self.write_row(t, record_id, row))
        self._write_joins(t, record_id, {k: v for k, v in joins.items() if k in changed}, replace=True)
        self._check_result(t, record_id, "update")    # and it may not be moved out of their reach
        record = self.get(table, record_id)
        if self._emit("updated", t, record_id, old, record, frozenset(changed)):
            record = self.get(table, record_id)     # as the rules left it
        return self._done(record)

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
        self.unit.drop(table, record_id)
        self.unit.wrote(self.form, table)
        self._emit("deleted", t, record_id, old, None, frozenset())
        return self._done(old)

    def child(self) -> "Writer":
        """A writer for the rules this write starts: same transaction, the system's permissions, and
        source "rule" (so the audit log tells a rule's writes from the person's)."""
        return Writer(self.form, self.conn, self.actor, "rule", self.depth + 1, after=self.after, unit=self.unit)

    def validate(self, table: str, values: Mapping[str, Any]) -> None:
        """Check `values` as `create` would (every field error at once), writing nothing."""
        self._clean(self._table(table), values, old=None)

    def read(self, table: str, record_id: int) -> dict:
        """`get` for a person: a record outside what they may read is not found."""
        self._check_scope(self._table(table), record_id, "read")
        return self.get(table, record_id)

    def get(self, table: str, record_id: int, lock: bool = False) -> dict:
        """The record as this transaction has it: read once per unit of work (engines/form/unit.py)."""
        t = self._table(table)
        return record_of(self, t, read_row(self, t, record_id, lock))

    def computed(self, table: str, record: dict, name: str):
        """A field of `record` that is not in its row (rollup, lookup, multi_link): for expressions
        that reach the record through a link (`record.member.total_spent`)."""
        t = self._table(table)
        f = t.fields[name]
        if f not in self.form.computed_fields[table]:
            return None
        return computed_value(self, t, f, record)

    def rows(self, table: str, ids) -> list[dict]:
        """Rows (as the database returns them) of `table` among `ids`: what expressions following
        links read, through the same per-unit-of-work cache as `get`."""
        return rows_for(self, table, ids)

    def write_row(self, t, record_id, values: Mapping[str, Any]) -> dict:
        """UPDATE one row with column values (no validation: the caller's business) and keep the row
        it leaves for later reads."""
        statements = self.form.statements
        result = statements.run(self.conn, statements.update_row(t.name), {**values, RID: record_id})
        self.unit.wrote(self.form, t.name, values)
        if not statements.returning("update"):
            self.unit.drop(t.name, record_id)
            return read_row(self, t, record_id, lock=True)
        return self.unit.keep(t.name, result.one(), locked=True)

    def defer_insert(self, table: sa.Table, row: dict) -> None:
        """A row (audit, run log) inserted with the others of its table before the commit, in this
        transaction: a write refused or rolled back leaves none of them."""
        self.unit.defer_insert(table, row)

    # -- permissions -----------------------------------------------------------------------
    def _check_scope(self, t, record_id, action):
        """Refuse when the person may not `action` this record. A record they may not read is
        not found: its existence is not theirs to know."""
        if self.access is None:
            return
        if action != "create":
            self.access.require(t.name, "read")
            if not self._in_rows(t, record_id, "read"):
                raise not_found(t, record_id)
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
        return clean_values(self, t, values, old)

    def unique_taken(self, t, name, value, record_id) -> bool:
        """Whether another record of `t` holds `value` (as stored) in its unique field `name`."""
        return bool(holders(self, t, name, value, record_id))

    def _guarded(self, t, columns, keyed: bool = False) -> bool:
        """Whether a write needs a savepoint: only where a constraint may refuse it on PostgreSQL, which
        aborts the whole transaction at an error (the caller may go on: a ledger key taken by a
        concurrent post). SQLite undoes just the failed statement."""
        if self.conn.dialect.name == "sqlite":
            return False
        if keyed:
            return True
        fields = t.fields
        return any(c in fields and (fields[c].unique or fields[c].type == "link") for c in columns)

    def _written(self, t, guarded, write):
        """Run `write` (in a savepoint when `guarded`); a constraint's refusal as a RecordError."""
        try:
            if not guarded:
                return write()
            with self.conn.begin_nested():
                return write()
        except sa.exc.IntegrityError as exc:
            self.unit.forget()          # rows kept since the savepoint may have been undone with it
            raise self._integrity(t, exc) from None

    def _insert(self, t, row) -> int:
        statements = self.form.statements
        if statements.returning("insert"):
            result = statements.run(self.conn, statements.insert_row(t.name), row)
            return self.unit.keep(t.name, result.one(), locked=True)["id"]
        return self.conn.execute(statements.insert_row(t.name), row).inserted_primary_key[0]

    def _done(self, record):
        """The end of a write of the caller's: a writer outside `unit_of_work` writes its buffered
        rows now (a unit of work writes them once, before its commit)."""
        if self.depth == 0 and not self.unit.flush_at_commit:
            self.unit.flush(self.conn, self.form.statements)
        return record

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
                n = next_sequence(self.conn, self.form.statements, self.form.name, t.name, name, period)
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
            self.unit.remember(t.name, (record_id, name), None)
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


def _utcnow() -> dt.datetime:
    return clock.utcnow_naive()
