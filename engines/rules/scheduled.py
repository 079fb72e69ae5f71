"""Scheduled rules: `schedule` (cron) runs the rule once; `daily` runs it once for each record its
`where` admits, each record in its own unit of work so that one failing record spares the others.
A rule whose last FAILURE_LIMIT runs all failed is held back until its definition changes or an admin
resumes it (engines/rules/held.py; flagged on the run log page)."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from engines.expr import ExpressionError
from engines.expr.context import EvalContext
from engines.form.errors import RecordError
from engines.form.reading import decode_row
from engines.rules import held
from engines.rules.held import FAILURE_LIMIT
from engines.rules.running import RunContext, run

BATCH = 500
log = logging.getLogger("tessera.rules")


def run_scheduled(inst, rule) -> dict:
    """Run one firing of a scheduled rule; returns counts {"ran", "failed", "skipped"}."""
    rules = inst.form.extensions["rules"]
    if held.should_skip(inst.form.engine, rules.log_table, inst.form.name, rule):
        log.warning("rule '%s' of app '%s' failed %d times in a row: held back until its definition changes"
                    " or an admin resumes it", rule.name, inst.form.name, FAILURE_LIMIT)
        return {"ran": 0, "failed": 0, "skipped": 1}
    if rule.trigger.kind == "schedule":
        return _one(inst, rule, None, rules.log_table)
    counts = {"ran": 0, "failed": 0, "skipped": 0}
    for record in _admitted(inst, rule):
        for k, v in _one(inst, rule, record, rules.log_table).items():
            counts[k] += v
    return counts


def _one(inst, rule, record, log_table) -> dict:
    try:
        with inst.records.unit_of_work(None, "scheduler") as w:
            ran = run(rule, RunContext(rule, w.child(), rule.trigger.table, record), log_table, "scheduler")
    except RecordError:
        return {"ran": 0, "failed": 1, "skipped": 0}        # logged by run(), after the rollback
    return {"ran": int(ran), "failed": 0, "skipped": int(not ran)}


def _admitted(inst, rule):
    """The records of a daily rule's table that its `where` admits, read in batches."""
    form, table = inst.form, rule.trigger.table
    sql, t = form.sql[table], form.tables[table]
    last = 0
    while True:
        with form.engine.connect() as conn:
            rows = conn.execute(sa.select(sql).where(sql.c.id > last).order_by(sql.c.id).limit(BATCH)).mappings().all()
            if not rows:
                return
            ctx = EvalContext(form=form, connection=conn)
            chosen = []
            for row in rows:
                record = decode_row(form, t, row)
                if rule.trigger.where is None or _where(rule, ctx, table, record):
                    chosen.append(record)
        last = rows[-1]["id"]
        yield from chosen


def _where(rule, ctx, table, record) -> bool:
    try:
        return bool(rule.trigger.where.evaluate({"record": ctx.view(table, record)}, context=ctx))
    except ExpressionError as exc:
        log.error("rule '%s': `where` failed on %s #%s: %s", rule.name, table, record["id"], exc)
        return False
