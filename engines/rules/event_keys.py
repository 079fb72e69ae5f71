"""Idempotency of external events: the key of each accepted event, unique per app and event name,
written in the event's own unit of work (a failed event leaves no key, so it may be sent again)."""
from __future__ import annotations


import sqlalchemy as sa

from engines.common import clock

MAX_KEY = 200


def event_keys_table(metadata: sa.MetaData) -> sa.Table:
    if "tessera_event_keys" in metadata.tables:
        return metadata.tables["tessera_event_keys"]
    return sa.Table(
        "tessera_event_keys", metadata,
        sa.Column("app", sa.String(40), primary_key=True),
        sa.Column("event", sa.String(63), primary_key=True),
        sa.Column("key", sa.String(MAX_KEY), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )


def claim(conn, table: sa.Table, app: str, event: str, key: str) -> bool:
    """Note the key in the caller's transaction; False when it was already there."""
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(app=app, event=event, key=key,
                                               at=clock.utcnow_naive()))
        return True
    except sa.exc.IntegrityError:
        return False
