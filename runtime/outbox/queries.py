"""Reading the outbox for people (the Messages page, `tessera outbox list`) and retrying by hand."""
from __future__ import annotations

import sqlalchemy as sa

from runtime.database import write_transaction
from runtime.outbox.enqueue import now_utc
from runtime.outbox.table import DEAD, FAILED, PENDING


def search(platform, *, app: str = "", channel: str = "", status: str = "", before_id: int | None = None,
           limit: int = 50) -> list[sa.Row]:
    """Messages, newest first, filtered by the non-empty arguments; `before_id` pages to older ones."""
    o = platform.system["outbox"]
    query = sa.select(o).order_by(o.c.id.desc()).limit(limit)
    for column, value in ((o.c.app, app), (o.c.channel, channel), (o.c.status, status)):
        if value:
            query = query.where(column == value)
    if before_id:
        query = query.where(o.c.id < before_id)
    with platform.engine.connect() as conn:
        return list(conn.execute(query))


def counts(platform) -> dict[str, int]:
    """Messages by status."""
    o = platform.system["outbox"]
    with platform.engine.connect() as conn:
        return dict(conn.execute(sa.select(o.c.status, sa.func.count()).group_by(o.c.status)).all())


def retry_now(platform, message_id: int) -> bool:
    """Make a failed or dead message due at once (one more attempt; a dead one that fails again is
    dead again). False when it is neither failed nor dead (sent, or being sent)."""
    o = platform.system["outbox"]
    with write_transaction(platform.engine) as conn:
        return conn.execute(o.update().where(o.c.id == message_id, o.c.status.in_((FAILED, DEAD)))
                            .values(status=PENDING, next_attempt_at=now_utc())).rowcount == 1
