"""How a Writer reads one record: its row once per unit of work (engines/form/unit.py), then the
values not in its row (multi_link ids, lookups, rollups) computed for that one record.

A lookup reads its target's row through the same cache, so the rule that follows the link next
(`record.member.tier`) finds it there. Pages and the API read whole pages through reading.py.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.errors import NotFound
from engines.form.reading import decode_row
from engines.form.statements import RID

_ROLLUP = {"sum": sa.func.sum, "avg": sa.func.avg, "min": sa.func.min, "max": sa.func.max}


def read_row(w, t, record_id, lock=False) -> dict:
    """The record's row as the database has it in this transaction; NotFound when there is none."""
    row = w.unit.row(t.name, record_id, lock)
    if row is None:
        found = w.form.statements.run(w.conn, w.form.statements.select_row(t.name, lock), {RID: record_id}).first()
        if found is None:
            raise not_found(t, record_id)
        row = w.unit.keep(t.name, dict(found), lock)
    return row


def rows_for(w, table: str, ids) -> list[dict]:
    """Rows of `table` among `ids` (expressions following links read through this), one query for
    those not read yet."""
    missing = [i for i in ids if w.unit.row(table, i) is None]
    if len(missing) == 1:       # by `id = ?`: an expanding IN renders its SQL anew at every execution
        found = w.form.statements.run(w.conn, w.form.statements.select_row(table), {RID: missing[0]}).first()
        if found is not None:
            w.unit.keep(table, dict(found), False)
    elif missing:
        for found in w.conn.execute(w.form.statements.select_rows(table), {"ids": missing}).mappings():
            w.unit.keep(table, dict(found), False)
    return [row for i in ids if (row := w.unit.row(table, i)) is not None]


def record_of(w, t, row) -> dict:
    """A row as a record: decoded values, and the computed ones."""
    record = dict(w.unit.decoded(t.name, row, lambda r: decode_row(w.form, t, r)))
    for f in w.form.computed_fields[t.name]:
        record[f.name] = computed_value(w, t, f, record)
    return record


def computed_value(w, t, f, record):
    """A lookup, rollup or multi_link value of `record` (a dict with its id and links), as this
    transaction has it: expressions following links read these through the same cache."""
    if f.type == "lookup":
        return _lookup(w, t, f, record)
    if f.type == "rollup":
        return _rollup(w, t, f, record["id"])
    return list(_joined(w, t, f, record["id"]))


def _lookup(w, t, f, record):
    target_id = record.get(f.settings["link"])
    target_id = getattr(target_id, "id", target_id)
    if target_id is None:
        return None
    target_t = w.form.tables[t.fields[f.settings["link"]].table]
    target_f = target_t.fields[f.settings["field"]]
    ftype = w.form.ftype(target_f)
    if not ftype.stored or ftype.join_table:
        return None
    try:
        value = read_row(w, target_t, target_id)[target_f.name]
    except NotFound:
        return None
    return None if value is None else ftype.from_db(target_f, value)


def _rollup(w, t, f, record_id):
    key = (record_id, f.name)
    value = w.unit.computed(t.name, key, _NONE)
    if value is _NONE:
        func = f.settings.get("function", "count")

        def build():
            src = w.form.sql[f.table]
            measure = sa.func.count() if func == "count" else _ROLLUP[func](src.c[f.settings["field"]])
            return sa.select(measure).where(src.c[f.compiled] == sa.bindparam(RID))
        stmt = w.form.statements.custom(("rollup", t.name, f.name), build)
        value = w.form.statements.run(w.conn, stmt, {RID: record_id}).scalar()
        value = (value or 0) if func in ("count", "sum") else value
        w.unit.remember(t.name, key, value)
    return value


def _joined(w, t, f, record_id):
    key = (record_id, f.name)
    ids = w.unit.computed(t.name, key)
    if ids is None:
        def build():
            jt = w.form.sql.joins[(t.name, f.name)]
            return sa.select(jt.c.target_id).where(jt.c.source_id == sa.bindparam(RID)).order_by(jt.c.target_id)
        stmt = w.form.statements.custom(("joined", t.name, f.name), build)
        ids = w.form.statements.run(w.conn, stmt, {RID: record_id}).scalars()
        w.unit.remember(t.name, key, ids)
    return ids


def not_found(t, record_id) -> NotFound:
    return NotFound(msg(f"no record {record_id} in '{t.label.en}'", f"{t.label.zh} 中没有编号为 {record_id} 的记录"))


_NONE = object()
