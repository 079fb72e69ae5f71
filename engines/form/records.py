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
from engines.form.errors import Conflict, NotFound, RecordError, ValidationFailed
from engines.form.events import RecordEvent
from engines.form.fields import FieldError
from engines.form.reading import decode_row, load_join_values
from engines.form.runtime import FormApp
from engines.form.system import next_sequence

MAX_CASCADE_DEPTH = 8
_MISSING = object()


class RecordService:
    def __init__(self, form: FormApp):
        self.form = form

    @contextmanager
    def unit_of_work(self, actor: int | None = None, source: str = "api"):
        with self.form.engine.execution_options(tessera_write=True).begin() as conn:
            yield Writer(self.form, conn, actor, source)

    def get(self, table, record_id) -> dict:
        """Read one record (no write lock)."""
        with self.form.engine.connect() as conn:
            return Writer(self.form, conn, None, "read").get(table, record_id)

    def create(self, table, values, actor=None, source="api"):
        with self.unit_of_work(actor, source) as w:
            return w.create(table, values)

    def update(self, table, record_id, values, actor=None, source="api"):
        with self.unit_of_work(actor, source) as w:
            return w.update(table, record_id, values)

    def delete(self, table, record_id, actor=None, source="api"):
        with self.unit_of_work(actor, source) as w:
            return w.delete(table, record_id)


class Writer:
    """Writes inside one transaction; subscribers get the same writer to cascade their writes."""

    def __init__(self, form: FormApp, conn, actor, source, depth: int = 0):
        self.form, self.conn, self.actor, self.source, self.depth = form, conn, actor, source, depth

    # -- public --------------------------------------------------------------------------
    def create(self, table: str, values: Mapping[str, Any]) -> dict:
        t = self._table(table)
        clean, joins = self._clean(t, values, old=None)
        now = _utcnow()
        self._fill_auto_numbers(t, clean, now)
        self._compute_formulas(t, clean)
        row = {**{k: self._to_db(t, k, v) for k, v in clean.items()},
               "created_at": now, "updated_at": now, "created_by": self.actor, "updated_by": self.actor}
        sql = self.form.sql[table]
        try:
            with self.conn.begin_nested():
                new_id = self.conn.execute(sql.insert().values(**row)).inserted_primary_key[0]
        except sa.exc.IntegrityError as exc:
            raise self._integrity(t, exc) from None
        self._write_joins(t, new_id, joins)
        record = self.get(table, new_id)
        self._emit("created", t, new_id, None, record, frozenset(clean) | frozenset(joins))
        return record

    def update(self, table: str, record_id: int, values: Mapping[str, Any]) -> dict:
        t = self._table(table)
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
        record = self.get(table, record_id)
        self._emit("updated", t, record_id, old, record, frozenset(changed))
        return record

    def delete(self, table: str, record_id: int) -> dict:
        t = self._table(table)
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

    def get(self, table: str, record_id: int, lock: bool = False) -> dict:
        t = self._table(table)
        sql = self.form.sql[table]
        stmt = sa.select(sql).where(sql.c.id == record_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(msg(f"no record {record_id} in '{t.label.en}'", f"{t.label.zh} 中没有编号为 {record_id} 的记录"))
        record = decode_row(self.form, t, row)
        load_join_values(self.form, self.conn, t, [record])
        return record

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
        for name, f in t.fields.items():
            ftype = self.form.ftype(f)
            raw = values.get(name, _MISSING)
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
            found = set(self.conn.execute(sa.select(target.c.id).where(target.c.id.in_(ids))).scalars())
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
    def _emit(self, kind, t, record_id, old, new, changed):
        subs = self.form.subscribers.for_table(t.name)
        if not subs:
            return
        if self.depth >= MAX_CASCADE_DEPTH:
            raise RecordError(msg(f"rules cascade deeper than {MAX_CASCADE_DEPTH} writes; check for a loop",
                                  f"规则级联超过 {MAX_CASCADE_DEPTH} 层，请检查是否有循环"))
        event = RecordEvent(kind=kind, app=self.form.name, table=t.name, id=record_id, old=old, new=new,
                            actor=self.actor, source=self.source, changed=changed)
        child = Writer(self.form, self.conn, self.actor, self.source, self.depth + 1)
        for sub in subs:
            sub(event, child)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
