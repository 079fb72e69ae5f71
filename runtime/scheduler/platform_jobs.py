"""The platform's own scheduled jobs: housekeeping of its system tables, cheap and in UTC.

Contributed through the same hook as an engine's jobs (`scheduler_jobs`, runtime/scheduler/registry.py).
"""
from __future__ import annotations

import datetime as dt

from engines.common.scheduling import Cron, Job
from runtime.auth.throttle import WINDOW
from runtime.database import write_transaction
from runtime.scheduler import runs

KEEP_RUNS = dt.timedelta(days=90)


def scheduler_jobs(platform) -> list[Job]:
    return [
        Job("platform.purge_sign_in_failures", Cron("17 * * * *"), purge_sign_in_failures,
            f"delete failed sign-ins older than the rate-limit window ({WINDOW})"),
        Job("platform.purge_schedule_runs", Cron("43 3 * * *"), purge_schedule_runs,
            f"delete the scheduler's own run records older than {KEEP_RUNS.days} days",
            grace=dt.timedelta(days=1)),
    ]


def purge_sign_in_failures(platform, fire_time: dt.datetime) -> int:
    """Failures older than the window no longer count (runtime/auth/throttle.py); one indexed delete."""
    failures = platform.auth["login_failures"]
    before = _naive(fire_time) - WINDOW
    with write_transaction(platform.engine) as conn:
        return conn.execute(failures.delete().where(failures.c.at <= before)).rowcount


def purge_schedule_runs(platform, fire_time: dt.datetime) -> int:
    return runs.purge(platform, _naive(fire_time) - KEEP_RUNS)


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
