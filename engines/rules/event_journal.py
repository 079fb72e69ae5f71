"""The journal of external events: each accepted event's name, key, payload, actor and time, written
in the event's own unit of work (a refused event leaves no row, as it leaves no key). It is what a
simulation replays (runtime/simulate): the idempotency keys alone do not say what an event carried."""
from __future__ import annotations

import json

import sqlalchemy as sa

from engines.common import clock


def event_journal_table(metadata: sa.MetaData) -> sa.Table:
    if "tessera_event_journal" in metadata.tables:
        return metadata.tables["tessera_event_journal"]
    return sa.Table(
        "tessera_event_journal", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("event", sa.String(63), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),       # the JSON body, as sent
        sa.Column("actor", sa.BigInteger()),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Index("ix_tessera_event_journal__app_at", "app", "at"),
    )


def record(conn, table: sa.Table, app: str, event: str, key: str, payload: dict, actor) -> None:
    conn.execute(table.insert().values(app=app, event=event, key=key, actor=actor, at=clock.utcnow_naive(),
                                       payload=json.dumps(payload, ensure_ascii=False)))
