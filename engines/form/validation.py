"""Checking a write's input: coerce and validate every field (all errors at once), then the links
(the records must exist, and be readable by the person) and unique values."""
from __future__ import annotations

from typing import Mapping

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.errors import RecordError, ValidationFailed
from engines.form.fields import FieldError
from engines.form.statements import RID

_MISSING = object()


def clean_values(w, t, values, old):
    """Coerce and validate the input; return (column values, multi_link values)."""
    if type(values) is not dict and not isinstance(values, Mapping):     # the ABC check is slow: dicts first
        raise RecordError(msg("expected an object of field values", "需要字段值对象"))
    errors: dict[str, Label] = {}
    for key in values:
        if key not in t.fields:
            errors[key] = msg("unknown field", "没有这个字段")
    clean, joins = {}, {}
    creating = old is None
    hidden = w.access.hidden(t.name) if w.access is not None else frozenset()
    locked = w.access.readonly(t.name, "create" if creating else "update") if w.access is not None \
        else frozenset()
    balances = w.form.balances.get(t.name, {})
    for key in values:
        if key in hidden:
            errors[key] = msg("unknown field", "没有这个字段")
    # an update looks only at the fields it was given (the others keep their values)
    fields = t.fields.items() if creating else [(n, f) for n, f in t.fields.items() if n in values]
    for name, f in fields:
        ftype = w.form.ftype(f)
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
            if not creating and f.readonly and w.source in ("page", "api") and value != old.get(name):
                raise FieldError(msg("is read-only", "只读，不能修改"))
            if name in balances and raw is not _MISSING and \
                    value != (ftype.default_value(f) if creating else old.get(name)):
                raise FieldError(msg(f"changes only through the ledger '{balances[name]}'",
                                     f"只能通过账本 {balances[name]} 变动"))
            if name in locked and raw is not _MISSING and \
                    value != (ftype.default_value(f) if creating else old.get(name)):
                raise FieldError(msg("you may not set this field", "你没有权限填写此字段"))
            check_value(ftype, f, value)
        except FieldError as exc:
            errors[name] = exc.message
            continue
        (joins if ftype.join_table else clean)[name] = value
    if not errors:
        _check_references(w, t, clean, joins, errors)
        _check_unique(w, t, clean, None if creating else old["id"], errors)
    if errors:
        only_conflicts = all(e.en.startswith("is already used") for e in errors.values())
        raise ValidationFailed(errors, status=409 if only_conflicts else 422)
    return clean, joins


def check_value(ftype, f, value) -> None:
    """A coerced value against `required` and the type's own constraints (FieldError when refused)."""
    if value is None or value == []:
        if f.required:
            raise FieldError(msg("is required", "必填"))
    else:
        ftype.validate(f, value)


def _check_references(w, t, clean, joins, errors):
    for name, f in w.form.link_fields[t.name]:
        if name not in clean and name not in joins:
            continue
        ids = [clean.get(name)] if f.type == "link" else joins.get(name)
        ids = [i for i in (ids or []) if i is not None]
        if not ids:
            continue
        # a person may link only records they may read: the others are "not there" for them
        cond = w.access.rows(f.table, "read") if w.access is not None else None
        if cond is None:     # through the unit of work: the lookups and rules that follow read these rows
            found = {row["id"] for row in w.rows(f.table, ids)}
        else:
            target = w.form.sql[f.table]
            found = set(w.conn.execute(sa.select(target.c.id).where(target.c.id.in_(ids), cond)).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            label = w.form.table(f.table).label
            errors[name] = msg(f"no record {missing[0]} in '{label.en}'", f"{label.zh} 中没有编号为 {missing[0]} 的记录")


def _check_unique(w, t, clean, record_id, errors):
    for name, f in t.fields.items():
        if f.unique and clean.get(name) is not None and w.unique_taken(t, name, w._to_db(t, name, clean[name]),
                                                                     record_id):
            errors[name] = msg("is already used by another record", "已被其他记录使用")


def holders(w, t, name, value, record_id, limit: int = 1) -> list:
    """Ids of other records of `t` whose `name` is `value` (as stored), as the writer's connection sees them."""
    def build(other=record_id is not None):
        sql = w.form.sql[t.name]
        stmt = sa.select(sql.c.id).where(sql.c[name] == sa.bindparam("value")).limit(sa.bindparam("_limit"))
        return stmt.where(sql.c.id != sa.bindparam(RID)) if other else stmt
    stmt = w.form.statements.custom(("unique", t.name, name, record_id is not None), build)
    return w.form.statements.run(w.conn, stmt, {"value": value, RID: record_id, "_limit": limit}).scalars()
