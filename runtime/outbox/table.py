"""tessera_outbox: side effects outside the database (e-mail, SMS, WeChat, webhooks), one row each.

A row is written in the transaction of the business write that caused it (enqueue.py) and delivered
after that transaction commits (dispatch.py): a write that rolls back sends nothing, and a provider
that is down delays a message but never loses it.
"""
from __future__ import annotations

import sqlalchemy as sa

# status: pending (new) -> sending (claimed by one dispatcher) -> sent | failed (will retry) | dead (gave up)
PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"
STATUSES = (PENDING, SENDING, SENT, FAILED, DEAD)


def define_outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "tessera_outbox", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(1000), nullable=False),   # an address, a phone number, a URL, an openid
        sa.Column("subject", sa.Text(), nullable=False, default=""),
        sa.Column("body", sa.Text(), nullable=False, default=""),
        sa.Column("payload", sa.JSON(), nullable=True),            # what a webhook posts; extra data for providers
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, default=0),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),   # naive UTC, as every tessera_* table
        sa.Column("claimed_at", sa.DateTime(), nullable=True),     # when a dispatcher took it (status sending)
        sa.Column("last_error", sa.String(500), nullable=True),    # one line; the traceback goes to the log
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        # tracing: which rule, on which record, made the message
        sa.Column("rule", sa.String(200), nullable=True),
        sa.Column("record_table", sa.String(100), nullable=True),
        sa.Column("record_id", sa.String(64), nullable=True),
        # the same key twice is one message (a replayed event); NULLs never collide
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
        sa.Index("ix_tessera_outbox__due", "status", "next_attempt_at"),
        sa.Index("ix_tessera_outbox__app", "app", "id"),
    )
