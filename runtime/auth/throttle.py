"""Sign-in rate limit: after MAX_FAILURES failed sign-ins for a username or from an IP address within
WINDOW, further attempts are refused until the window has passed. Failures live in a system table so
that every worker sees them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from runtime.auth.accounts import utcnow
from runtime.database import write_transaction

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


def is_blocked(platform, username: str, ip: str) -> bool:
    failures = platform.auth["login_failures"]
    since = utcnow() - WINDOW
    with platform.engine.connect() as conn:
        for column, value in ((failures.c.username, username.lower()), (failures.c.ip, ip)):
            n = conn.execute(sa.select(sa.func.count()).select_from(failures)
                             .where(column == value, failures.c.at > since)).scalar_one()
            if n >= MAX_FAILURES:
                return True
    return False


def record_failure(platform, username: str, ip: str) -> None:
    failures = platform.auth["login_failures"]
    now = utcnow()
    with write_transaction(platform.engine) as conn:
        conn.execute(failures.delete().where(failures.c.at <= now - WINDOW))
        conn.execute(failures.insert().values(username=username.lower()[:100], ip=ip[:64], at=now))


def clear_failures(platform, username: str) -> None:
    failures = platform.auth["login_failures"]
    with write_transaction(platform.engine) as conn:
        conn.execute(failures.delete().where(failures.c.username == username.lower()))
