"""The run log: every rule run (rule, trigger, record, outcome, duration, error), shown to admins.

A run that succeeded is written in the triggering unit of work (buffered by its writer, inserted
with the others just before the commit: it commits with it); a run that failed is written after
the rollback, in a transaction of its own, so the failure is never lost with the work it undid (or,
for a unit of work that was a savepoint of a longer transaction, in that one after the savepoint's
rollback: RecordService.savepoint_of).
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.common import clock


MAX_ERROR = 1000


def runs_table(metadata: sa.MetaData) -> sa.Table:
    if "tessera_rule_runs" in metadata.tables:
        return metadata.tables["tessera_rule_runs"]
    return sa.Table(
        "tessera_rule_runs", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(63), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("tbl", sa.String(63)),
        sa.Column("record_id", sa.BigInteger()),
        sa.Column("outcome", sa.String(10), nullable=False),    # ok | refused | failed
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("actor", sa.BigInteger()),
        sa.Column("source", sa.String(20)),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Index("ix_tessera_rule_runs_app_rule_at", "app", "rule", "at"),
    )


def entry(app, rule, trigger, table, record_id, outcome, duration_ms, error=None, actor=None, source=None) -> dict:
    return {"app": app, "rule": rule, "trigger": trigger, "tbl": table, "record_id": record_id,
            "outcome": outcome, "duration_ms": round(duration_ms, 3),
            "error": None if error is None else str(error)[:MAX_ERROR], "actor": actor, "source": source,
            "at": clock.utcnow_naive()}


def write(conn, table: sa.Table, row: dict) -> None:
    conn.execute(table.insert().values(**row))


def write_alone(engine, table: sa.Table, row: dict) -> None:
    with engine.execution_options(tessera_write=True).begin() as conn:
        write(conn, table, row)


def write_after_rollback(conn, engine, table: sa.Table, row: dict) -> None:
    """A failed run's row once its unit of work is rolled back: on `conn` when that unit was a
    savepoint of a transaction going on there (a simulation's batch), else in a transaction of its own."""
    if conn is not None:
        write(conn, table, row)
    else:
        write_alone(engine, table, row)


def recent(conn, table: sa.Table, app=None, rule=None, outcome=None, limit=100) -> list[dict]:
    stmt = sa.select(table).order_by(table.c.id.desc()).limit(limit)
    for col, value in (("app", app), ("rule", rule), ("outcome", outcome)):
        if value:
            stmt = stmt.where(table.c[col] == value)
    return [dict(r) for r in conn.execute(stmt).mappings()]
