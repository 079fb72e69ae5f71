"""Rewinding the scratch copy to an earlier moment: every audited write of the app made at or after
it is undone, newest first, from the before-values the audit log keeps (a create is deleted, an
update set back, a delete inserted again). Ledger entries are creates like any other; the lots a
debit consumed get their remaining part back. The platform's own rows of the app after that moment
(audit, run log, outbox, event keys and journal, scheduler firings, flows started) go too, so that what a replay
adds is all that is left after it."""
from __future__ import annotations

import json

import sqlalchemy as sa

from runtime.simulate.history import fire_time

BATCH = 5000


def rewind(platform, inst, conn, cutoff) -> int:
    """Undo on `conn` (the scratch copy) the app's writes at or after `cutoff` (naive UTC); how many."""
    audit, app = platform.audit.table, inst.form.name
    undone, last = 0, None
    while True:
        stmt = sa.select(audit).where(audit.c.app == app, audit.c.at >= cutoff)
        if last is not None:
            stmt = stmt.where(audit.c.id < last)
        rows = conn.execute(stmt.order_by(audit.c.id.desc()).limit(BATCH)).mappings().all()
        if not rows:
            break
        for row in rows:
            _undo(inst.form, conn, row)
        undone += len(rows)
        last = rows[-1]["id"]
    _forget_after(platform, conn, app, cutoff)
    _renumber(inst.form, conn)
    return undone


def _undo(form, conn, entry) -> None:
    t = form.tables.get(entry["tbl"])
    if t is None:           # a table the definition no longer has: nothing of it to set back
        return
    sql, rid = form.sql[t.name], entry["record_id"]
    changes = json.loads(entry["changes"])
    if entry["action"] == "create":
        if t.ledger is not None:
            _give_back_lots(form, conn, t.name, rid)
        for (table, _field), jt in form.sql.joins.items():
            if table == t.name:
                conn.execute(jt.delete().where(jt.c.source_id == rid))
        conn.execute(sql.delete().where(sql.c.id == rid))
        return
    columns, joins = _values(form, t, {k: v[0] for k, v in changes.items()})
    if entry["action"] == "update":
        if columns:
            conn.execute(sql.update().where(sql.c.id == rid).values(columns))
    else:           # delete: the record as it was, its system stamps from the entry
        conn.execute(sql.insert().values(id=rid, created_at=entry["at"], updated_at=entry["at"], **columns))
    for name, ids in joins.items():
        jt = form.sql.joins[(t.name, name)]
        conn.execute(jt.delete().where(jt.c.source_id == rid))
        if ids:
            conn.execute(jt.insert(), [{"source_id": rid, "target_id": i} for i in ids])


def _values(form, t, plain: dict) -> tuple[dict, dict]:
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


def _give_back_lots(form, conn, table, entry_id) -> None:
    """A debit being undone returns what it took from each lot."""
    sql, lots = form.sql[table], form.sql.lots[table]
    taken = conn.execute(sa.select(lots.c.lot_id, lots.c.amount)
                         .where(lots.c.entry_id == entry_id, lots.c.lot_id != entry_id)).all()
    for lot_id, amount in taken:
        conn.execute(sa.update(sql).where(sql.c.id == lot_id)
                     .values(ledger_remaining=sa.func.coalesce(sql.c.ledger_remaining, 0) + amount))
    conn.execute(lots.delete().where(sa.or_(lots.c.entry_id == entry_id, lots.c.lot_id == entry_id)))


def _forget_after(platform, conn, app, cutoff) -> None:
    system = platform.system
    for table, when, mine in (
            (platform.audit.table, "at", platform.audit.table.c.app == app),
            (platform.rule_runs, "at", platform.rule_runs.c.app == app),
            (system["outbox"], "created_at", system["outbox"].c.app == app),
            (platform.event_keys, "at", platform.event_keys.c.app == app),
            (platform.event_journal, "at", platform.event_journal.c.app == app),
            (system["schedule_runs"], None, _app_jobs(system["schedule_runs"], app))):
        moment = fire_time(table) if when is None else table.c[when]
        conn.execute(table.delete().where(mine, moment >= cutoff))
    _forget_flows(platform.flow_tables, conn, app, cutoff)


def _forget_flows(flows, conn, app, cutoff) -> None:
    """The flows started at or after `cutoff`, with their tasks and decisions: their records are gone
    (or will be made again by the replay, perhaps under the same id, which a left-over running flow
    would lock). A flow started before stays as the copy has it (docs/simulation.md, Limits)."""
    instances = flows["instances"]
    later = sa.select(instances.c.id).where(instances.c.app == app, instances.c.started_at >= cutoff)
    for table in (flows["decisions"], flows["tasks"]):
        conn.execute(table.delete().where(table.c.instance_id.in_(later)))
    conn.execute(instances.delete().where(instances.c.id.in_(later)))


def _app_jobs(runs, app):
    return sa.or_(runs.c.job_id.like(f"%.{app}.%"), runs.c.job_id.like(f"%.{app}"))


def _renumber(form, conn) -> None:
    """SQLite's AUTOINCREMENT counters back to the rows that are left: a replay of the same events
    numbers its records as they were numbered live."""
    if conn.dialect.name != "sqlite" or not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first():
        return
    for sql in [form.sql[name] for name in form.tables] + list(form.sql.lots.values()):
        conn.exec_driver_sql(f'UPDATE sqlite_sequence SET seq = (SELECT coalesce(max(id), 0) FROM "{sql.name}") '
                             "WHERE name = ?", (sql.name,))
