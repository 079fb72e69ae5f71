"""Scheduled jobs as engines declare them: what to run, and when.

The value types only; the runtime's scheduler (runtime/scheduler) claims each firing in the database
and runs it. An engine contributes jobs through a module `jobs.py` in its own package that defines

    def scheduler_jobs(platform) -> Iterable[Job]

called once when a scheduler starts, with the platform as it is then (its installed apps). The
platform's own jobs (runtime/scheduler/platform_jobs.py) come in through the same hook.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

DEFAULT_GRACE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Cron:
    """Five crontab fields (minute hour day month day-of-week), read in `timezone` (an IANA name:
    the app's time zone for an app's jobs, UTC for the platform's)."""
    expression: str
    timezone: str = "UTC"

    def describe(self) -> str:
        return f"cron '{self.expression}' ({self.timezone})"


@dataclass(frozen=True)
class Interval:
    """Every `every` (one second at least), counted from 1970-01-01 00:00 UTC, so that every
    scheduler process computes the same firing times."""
    every: dt.timedelta

    def describe(self) -> str:
        return f"every {self.every}"


@dataclass(frozen=True)
class Job:
    """`run(platform, fire_time)` is called once for each firing (fire_time: the scheduled time,
    aware, UTC). Firings missed while no scheduler ran are coalesced into one run, for the latest of
    them, if it is no older than `grace`; older ones are skipped."""
    id: str                                    # unique over all jobs: "<owner>.<name>", e.g. "platform.purge_sign_in_failures"
    trigger: Cron | Interval
    run: Callable[[Any, dt.datetime], None]
    description: str = ""
    grace: dt.timedelta = DEFAULT_GRACE
