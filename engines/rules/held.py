"""Scheduled rules held back: one whose last FAILURE_LIMIT runs all failed stops running until its
definition changes (its fingerprint differs) or an admin resumes it on the run log page. The row
says since when and why; `released_at` makes only the runs after a release count again."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

FAILURE_LIMIT = 5


def held_table(metadata: sa.MetaData) -> sa.Table:
    if "tessera_rules_held" in metadata.tables:
        return metadata.tables["tessera_rules_held"]
    return sa.Table(
        "tessera_rules_held", metadata,
        sa.Column("app", sa.String(40), primary_key=True),
        sa.Column("rule", sa.String(63), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),   # of the definition that failed / was released
        sa.Column("held_at", sa.DateTime()),                       # None: running again
        sa.Column("released_at", sa.DateTime()),
        sa.Column("error", sa.Text()),
    )


def _now():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def should_skip(engine, log_table, app: str, rule) -> bool:
    """Whether this firing is held back; holds the rule when its last runs all failed, and lets a
    held rule go again when its definition changed. Reads only, unless one of those happens."""
    table = held_table(log_table.metadata)
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.app == app, table.c.rule == rule.name)).first()
        held = row is not None and row.held_at is not None
        if not held:
            last = conn.execute(sa.select(log_table.c.outcome, log_table.c.error)
                                .where(log_table.c.app == app, log_table.c.rule == rule.name,
                                       log_table.c.at > (row.released_at if row and row.released_at
                                                         else dt.datetime.min))
                                .order_by(log_table.c.id.desc()).limit(FAILURE_LIMIT)).all()
    if held:                            # it goes again only with a changed definition
        if row.fingerprint == rule.fingerprint:
            return True
        release(engine, log_table.metadata, app, rule)
        return False
    if len(last) < FAILURE_LIMIT or any(r.outcome != "failed" for r in last):
        return False
    values = {"fingerprint": rule.fingerprint, "held_at": _now(), "error": last[0].error}
    with engine.execution_options(tessera_write=True).begin() as conn:
        if row is None:
            conn.execute(table.insert().values(app=app, rule=rule.name, **values))
        else:
            conn.execute(table.update().where(table.c.app == app, table.c.rule == rule.name).values(**values))
    return True


def release(engine, metadata, app: str, rule) -> bool:
    """An admin's "resume": the rule runs at its next firing. False when it was not held."""
    table = held_table(metadata)
    with engine.execution_options(tessera_write=True).begin() as conn:
        done = conn.execute(table.update().where(table.c.app == app, table.c.rule == rule.name,
                                                 table.c.held_at.is_not(None))
                            .values(held_at=None, released_at=_now(), fingerprint=rule.fingerprint))
        return done.rowcount > 0


def held_rules(conn, metadata) -> list[dict]:
    table = held_table(metadata)
    return [dict(r) for r in conn.execute(sa.select(table).where(table.c.held_at.is_not(None))
                                          .order_by(table.c.app, table.c.rule)).mappings()]
