"""Delivering the outbox after commit: claim due rows, send each through its channel, record the outcome.

Due rows are `pending` or `failed` ones whose next_attempt_at has come, and `sending` ones whose
claim is older than STALE_CLAIM (their dispatcher died mid-send: sent again, so delivery is at
least once; receivers get an idempotency key and a stable message id to tell).

The claim is safe across processes: in one write transaction, the due ids are read (FOR UPDATE
SKIP LOCKED on PostgreSQL, so concurrent dispatchers take different rows without waiting; SQLite
has one writer at a time anyway) and each is taken with a conditional UPDATE ... WHERE id = ? AND
status = <as read>: a row another dispatcher took in between updates nothing and is skipped.
Sending happens after that transaction commits and outside any other, so a slow or failing
provider holds no lock and never touches the business write, which committed long before.

A failed attempt is retried after BACKOFF[n-1] (n: attempts so far); after len(BACKOFF) + 1
attempts the row is `dead`. Nothing is deleted: the admins' Messages page shows every row, its
attempts and last error, and can retry a failed or dead one at once.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from typing import Mapping

import sqlalchemy as sa

from runtime.database import write_transaction
from runtime.outbox.channels import Message, get_channel
from runtime.outbox.enqueue import now_utc
from runtime.outbox.table import DEAD, FAILED, PENDING, SENDING, SENT

log = logging.getLogger("tessera.outbox")

BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
           dt.timedelta(hours=2), dt.timedelta(hours=12))
STALE_CLAIM = dt.timedelta(minutes=15)
BATCH = 100
MAX_ERROR = 500


@dataclass
class Delivery:
    """What one pass did: row ids by outcome."""
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)

    def line(self) -> str:
        return f"{len(self.sent)} sent, {len(self.failed)} failed (will retry), {len(self.dead)} dead"


class Dispatcher:
    """Delivers the due messages of one platform's outbox. `env`: where channels read their settings
    (default os.environ); `backoff`: the waits between attempts."""

    def __init__(self, platform, env: Mapping[str, str] | None = None, backoff=BACKOFF, batch: int = BATCH):
        self.platform = platform
        self.outbox: sa.Table = platform.system["outbox"]
        self.env = os.environ if env is None else env
        self.backoff = tuple(backoff)
        self.batch = batch

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def deliver_due(self, now: dt.datetime | None = None) -> Delivery:
        """Claim and send every message due at `now` (naive UTC; default the present), batch by batch."""
        now = now or now_utc()
        done = Delivery()
        while True:
            rows = self.claim(now)
            for row in rows:
                getattr(done, self.deliver(row, now)).append(row.id)
            if len(rows) < self.batch:
                return done

    def claim(self, now: dt.datetime) -> list[sa.Row]:
        """Take up to `batch` due rows for this dispatcher (status `sending`, attempts + 1): the rows, as taken."""
        o = self.outbox
        due = sa.or_(sa.and_(o.c.status.in_((PENDING, FAILED)), o.c.next_attempt_at <= now),
                     sa.and_(o.c.status == SENDING, o.c.claimed_at < now - STALE_CLAIM))
        with write_transaction(self.platform.engine) as conn:
            candidates = conn.execute(sa.select(o.c.id, o.c.status).where(due)
                                      .order_by(o.c.next_attempt_at, o.c.id).limit(self.batch)
                                      .with_for_update(skip_locked=True)).all()
            taken = [c.id for c in candidates if conn.execute(
                o.update().where(o.c.id == c.id, o.c.status == c.status, due)
                .values(status=SENDING, claimed_at=now, attempts=o.c.attempts + 1)).rowcount == 1]
            if not taken:
                return []
            return list(conn.execute(sa.select(o).where(o.c.id.in_(taken)).order_by(o.c.id)))

    def deliver(self, row: sa.Row, now: dt.datetime) -> str:
        """Send one claimed row and record the outcome: 'sent', 'failed' or 'dead'."""
        try:
            get_channel(row.channel).send(to_message(row), self.env)
        except Exception as exc:   # any provider fault: recorded on the row, retried later
            return self._failed(row, now, one_line(exc))
        o = self.outbox
        with write_transaction(self.platform.engine) as conn:
            conn.execute(o.update().where(o.c.id == row.id, o.c.status == SENDING).values(
                status=SENT, sent_at=now_utc(), claimed_at=None, last_error=None))
        return "sent"

    def _failed(self, row: sa.Row, now: dt.datetime, error: str) -> str:
        o = self.outbox
        dead = row.attempts >= self.max_attempts
        values = {"status": DEAD if dead else FAILED, "last_error": error, "claimed_at": None}
        if not dead:
            values["next_attempt_at"] = now + self.backoff[row.attempts - 1]
        with write_transaction(self.platform.engine) as conn:
            conn.execute(o.update().where(o.c.id == row.id, o.c.status == SENDING).values(**values))
        log.warning("outbox message %s (%s to %s), attempt %s: %s; %s", row.id, row.channel, row.recipient,
                    row.attempts, error, "gave up" if dead else f"next attempt at {values['next_attempt_at']} UTC")
        return "dead" if dead else "failed"


def to_message(row: sa.Row) -> Message:
    return Message(id=row.id, app=row.app, channel=row.channel, recipient=row.recipient, subject=row.subject,
                   body=row.body, payload=row.payload, idempotency_key=row.idempotency_key, rule=row.rule,
                   record_table=row.record_table, record_id=row.record_id)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:MAX_ERROR]
