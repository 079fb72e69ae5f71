"""tessera_schedule_runs: one row per firing of a scheduled job, claimed before the job runs.

The row is inserted in a transaction of its own and committed before the job starts. The unique
(job_id, fire_key) constraint is the lock: a second scheduler, or a restart catching up the same
firing, fails to insert and skips it. A firing is therefore run at most once; a scheduler killed
while a job runs leaves its row `running`, and that firing is not run again.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from runtime.database import write_transaction

RUNNING, OK, FAILED = "running", "ok", "failed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)   # naive UTC, as every tessera_* table


def claim(platform, job_id: str, fire_key: str, host: str, pid: int) -> int | None:
    """Take the firing: the new row's id, or None when another process has it already."""
    runs = platform.system["schedule_runs"]
    try:
        with write_transaction(platform.engine) as conn:
            return conn.execute(runs.insert().values(
                job_id=job_id, fire_key=fire_key, status=RUNNING, started_at=_now(), host=host[:255], pid=pid,
            )).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        return None


def finish(platform, run_id: int, error: str | None = None) -> None:
    runs = platform.system["schedule_runs"]
    with write_transaction(platform.engine) as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(
            status=FAILED if error else OK, finished_at=_now(), error=error))


def purge(platform, before: dt.datetime) -> int:
    """Delete the rows of firings started before `before` (naive UTC); how many went."""
    runs = platform.system["schedule_runs"]
    with write_transaction(platform.engine) as conn:
        return conn.execute(runs.delete().where(runs.c.started_at < before)).rowcount


def latest(platform) -> dict[str, sa.Row]:
    """The most recent run of every job that has run: job id -> row."""
    runs = platform.system["schedule_runs"]
    newest = sa.select(sa.func.max(runs.c.id)).group_by(runs.c.job_id).scalar_subquery()
    with platform.engine.connect() as conn:
        return {row.job_id: row for row in conn.execute(sa.select(runs).where(runs.c.id.in_(newest)))}


def of_job(platform, job_id: str) -> list[sa.Row]:
    """Every recorded run of one job, oldest first."""
    runs = platform.system["schedule_runs"]
    with platform.engine.connect() as conn:
        return list(conn.execute(sa.select(runs).where(runs.c.job_id == job_id).order_by(runs.c.id)))
