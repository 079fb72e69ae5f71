"""The scheduler proper: APScheduler fires each job on its trigger; the Runner claims and runs it.

A BackgroundScheduler (its own thread and a small thread pool), so that the caller decides how long
it lives: `tessera scheduler` waits for SIGTERM, a test or an embedding server for an event of its
own. Missed firings: APScheduler keeps no state between runs (memory job store), so at start every
job whose latest firing falls within its grace period is run once at once (coalesced: one run for
the latest missed firing, not one per firing); the claim table makes that a no-op when the firing
did run. While running, a firing delayed by more than the job's grace is skipped by APScheduler.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from runtime.scheduler.registry import JobRegistry
from runtime.scheduler.runner import Runner
from runtime.scheduler.triggers import UTC, to_apscheduler

log = logging.getLogger("tessera.scheduler")
WORKERS = 4   # jobs that may run at the same time (one firing of a job at a time: max_instances=1)


def start(platform, jobs: JobRegistry, runner: Runner | None = None) -> BackgroundScheduler:
    """Schedule every job and start firing; the caller stops it with `.shutdown(wait=True)`."""
    runner = runner or Runner(platform)
    scheduler = BackgroundScheduler(timezone=UTC, executors={"default": {"type": "threadpool",
                                                                        "max_workers": WORKERS}})
    now = dt.datetime.now(UTC)
    for job in jobs.values():
        grace = max(1, int(job.grace.total_seconds()))
        scheduler.add_job(runner.tick, to_apscheduler(job.trigger), args=[job], id=job.id, name=job.id,
                          coalesce=True, max_instances=1, misfire_grace_time=grace)
        if runner.due(job, now) is not None:   # a firing missed while no scheduler ran: once, now
            scheduler.add_job(runner.tick, "date", run_date=now, args=[job], id=f"{job.id}#catch-up",
                              name=f"{job.id} (catch-up)", misfire_grace_time=grace)
    scheduler.start()
    log.info("scheduler started with %d job(s) on host %s, pid %s", len(jobs), runner.host, runner.pid)
    return scheduler


def serve(platform, jobs: JobRegistry, stop: threading.Event, runner: Runner | None = None) -> None:
    """Run until `stop` is set, then let running jobs finish and return."""
    if stop.is_set():
        return
    scheduler = start(platform, jobs, runner)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        log.info("scheduler stopping: waiting for running jobs to finish")
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
