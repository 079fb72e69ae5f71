"""Undoing one audit entry on the scratch copy, from the before-values it keeps: a create (or a record
of an import's chunk) is deleted, an update set back, a delete inserted again. The meaning every
faster way of rewinding (runtime/simulate/net_undo.py) must keep: a record whose entries it cannot
net out is undone here, entry by entry, newest first."""
from __future__ import annotations

import json

import sqlalchemy as sa

BORN = ("create", "import")       # an import's entry stands for a create of each record it holds


def undo_entry(form, conn, entry) -> None:
    """Undo `entry` (a row of the audit log, or of the rewind's own list of entries) on `conn`."""
    t = form.tables.get(entry["tbl"])
    if t is None:           # a table the definition no longer has: nothing of it to set back
        return
    rid = entry["record_id"]
    if entry["action"] in BORN:
        remove(form, conn, t, [rid])
        return
    sql = form.sql[t.name]
    columns, joins = values_of(form, t, before_values(entry["changes"]))
    if entry["action"] == "update":
        if columns:
            conn.execute(sql.update().where(sql.c.id == rid).values(columns))
    else:           # delete: the record as it was, its system stamps from the entry
        conn.execute(sql.insert().values(id=rid, created_at=entry["at"], updated_at=entry["at"], **columns))
    set_joins(form, conn, t, [(rid, joins)])


def before_values(changes: str) -> dict:
    return {k: v[0] for k, v in json.loads(changes).items()}


def values_of(form, t, plain: dict) -> tuple[dict, dict]:
    """Column values and multi_link ids from the audit's JSON values (computed fields left out)."""
    columns, joins = {}, {}
    for name, value in plain.items():
        f = t.fields.get(name)
        if f is None:
            continue
        ftype = form.ftype(f)
        if ftype.join_table:
            joins[name] = list(value or [])
        elif ftype.stored and ftype.computed:      # an auto number or formula: kept as it was shown
            columns[name] = value
        elif ftype.stored:
            coerced = None if value is None else ftype.coerce(f, value)
            columns[name] = None if coerced is None else ftype.to_db(f, coerced)
    return columns, joins


def set_joins(form, conn, t, records) -> None:
    """Each (record id, {multi_link field: ids}) of `records`: those fields' links as given."""
    for (table, name), jt in form.sql.joins.items():
        if table != t.name:
            continue
        given = [(rid, joins[name]) for rid, joins in records if name in joins]
        if not given:
            continue
        conn.execute(jt.delete().where(jt.c.source_id == sa.bindparam("rid")), [{"rid": rid} for rid, _ in given])
        rows = [{"source_id": rid, "target_id": i} for rid, ids in given for i in ids]
        if rows:
            conn.execute(jt.insert(), rows)


def remove(form, conn, t, ids: list) -> None:
    """Delete the records `ids` of `t` with their links; a ledger's debits give back what they took
    from each lot, and a credit's lot goes with it."""
    if not ids:
        return
    sql = form.sql[t.name]
    params = [{"rid": rid} for rid in ids]
    if t.ledger is not None:
        lots = form.sql.lots[t.name]
        for chunk in _chunks(ids, 500):
            taken = conn.execute(sa.select(lots.c.lot_id, sa.func.sum(lots.c.amount))
                                 .where(lots.c.entry_id.in_(chunk), lots.c.lot_id != lots.c.entry_id)
                                 .group_by(lots.c.lot_id)).all()
            if taken:
                conn.execute(sa.update(sql).where(sql.c.id == sa.bindparam("lot"))
                             .values(ledger_remaining=sa.func.coalesce(sql.c.ledger_remaining, 0)
                                     + sa.bindparam("taken", type_=lots.c.amount.type)),
                             [{"lot": lot, "taken": amount} for lot, amount in taken])
            conn.execute(lots.delete().where(sa.or_(lots.c.entry_id.in_(chunk), lots.c.lot_id.in_(chunk))))
    for (table, _field), jt in form.sql.joins.items():
        if table == t.name:
            conn.execute(jt.delete().where(jt.c.source_id == sa.bindparam("rid")), params)
    conn.execute(sql.delete().where(sql.c.id == sa.bindparam("rid")), params)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
