"""Rewinding the scratch copy to an earlier moment: every audited write of the app made at or after
it is undone from the before-values the audit log keeps (a create or an import is deleted, an
update set back, a delete inserted again), by its net effect on each record (runtime/simulate/net_undo.py).
Ledger entries are creates like any other; the lots a debit consumed get their remaining part back. The platform's own rows of the app after that moment
(audit, run log, outbox, event keys and journal, scheduler firings, flows started) go too, so that what a replay
adds is all that is left after it."""
from __future__ import annotations

import json

import sqlalchemy as sa

from runtime.simulate.history import fire_time
from runtime.simulate.net_undo import undo_after
from runtime.simulate.sequences import rewind_sequences


def rewind(platform, inst, conn, cutoff, keep_imports: bool = False) -> int:
    """Undo on `conn` (the scratch copy) the app's writes at or after `cutoff` (naive UTC); how many.
    `keep_imports`: the records imported since are kept aside for the replay (runtime/simulate/imported.py)."""
    undone = undo_after(inst.form, conn, platform.audit.table, cutoff, keep_imports)
    _forget_after(platform, conn, inst.form.name, cutoff)
    _renumber(inst.form, conn, platform.audit.table)
    rewind_sequences(inst.form, conn, platform.audit.table)
    return undone


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


def _renumber(form, conn, audit) -> None:
    """SQLite's AUTOINCREMENT counters back to where they stood at the cutoff: past the rows that are
    left and past every id the audit log (what is left of it: the writes before the cutoff) says was
    used, a record deleted before it included. A replay of the same events then numbers its records
    as they were numbered live, and never gives a new record a deleted one's id (whose ledger key,
    `top-up-<id>`, would be taken)."""
    if conn.dialect.name != "sqlite" or not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first():
        return
    # a lots table is never audited: its rows left are all it used
    for name, sql in [(n, form.sql[n]) for n in form.tables] + [(None, lots) for lots in form.sql.lots.values()]:
        used = conn.execute(sa.select(sa.func.max(sql.c.id))).scalar() or 0
        if name is not None:
            mine = sa.and_(audit.c.app == form.name, audit.c.tbl == name)
            used = max(used, conn.execute(sa.select(sa.func.max(audit.c.record_id)).where(mine)).scalar() or 0)
            for (changes,) in conn.execute(sa.select(audit.c.changes).where(mine, audit.c.action == "import")):
                used = max([used] + [last for _first, last in json.loads(changes).get("records", [])])
        conn.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (used, sql.name))
