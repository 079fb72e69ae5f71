"""Writing a message to the outbox, inside the caller's transaction.

The rules engine calls `enqueue(writer.conn, outbox, ...)` with the connection of the unit of work
that made the business write: the row commits with that write or rolls back with it, so a refused
or failed write never sends anything. Nothing is delivered here; after the commit, `wake(platform)`
(worker.py) asks for a delivery at once, and the `outbox.deliver` job catches whatever is left.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engines.common import clock
from runtime.outbox.channels import ChannelError, channels
from runtime.outbox.table import PENDING, define_outbox_table

MAX_RECIPIENT = 1000


def now_utc() -> dt.datetime:
    return clock.utcnow_naive()   # naive UTC, as every tessera_* table


def enqueue(conn: sa.Connection, outbox: sa.Table | None = None, *, app: str, channel: str, recipient: str,
            subject: str = "", body: str = "", payload: Any = None, rule: str | None = None,
            record_table: str | None = None, record_id: Any = None,
            idempotency_key: str | None = None, not_before: dt.datetime | None = None) -> int | None:
    """Add one message to the outbox on `conn`, in its transaction (`outbox`: platform.system["outbox"];
    by default the same table's definition, for callers that hold a connection but no platform). Returns
    the new row's id, or None when `idempotency_key` was used already (the message exists: nothing
    added, and the caller's transaction is not disturbed). `subject`/`body` are the final texts
    (render them with templates.render first); `payload` is JSON-able data (a webhook's body).
    `not_before` (naive UTC) delays the first attempt. Raises ChannelError for an unknown channel
    and ValueError for an empty recipient."""
    if channel not in channels():
        raise ChannelError(f"unknown channel '{channel}' (known: {', '.join(sorted(channels()))})")
    recipient = (recipient or "").strip()
    if not recipient:
        raise ValueError(f"a {channel} message needs a recipient")
    if len(recipient) > MAX_RECIPIENT:
        raise ValueError(f"recipient longer than {MAX_RECIPIENT} characters")
    outbox = _outbox() if outbox is None else outbox
    created = now_utc()
    values = dict(app=app, channel=channel, recipient=recipient, subject=subject or "", body=body or "",
                  payload=payload, status=PENDING, attempts=0, next_attempt_at=not_before or created,
                  created_at=created, rule=rule, record_table=record_table,
                  record_id=None if record_id is None else str(record_id), idempotency_key=idempotency_key)
    if idempotency_key is None:
        return conn.execute(outbox.insert().values(**values)).inserted_primary_key[0]
    # ON CONFLICT DO NOTHING, not try/except IntegrityError: on PostgreSQL a failed statement would
    # abort the caller's whole transaction
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(outbox).values(**values)
                 .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(outbox.c.id))
    return conn.execute(statement).scalar_one_or_none()


@functools.cache   # a Table of its own MetaData, made once: the statements only need its columns
def _outbox() -> sa.Table:
    return define_outbox_table(sa.MetaData())
