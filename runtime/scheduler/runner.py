"""Running one firing of a job: claim it in tessera_schedule_runs, run it, record how it ended.

Used the same way by the long-running scheduler (runtime/scheduler/process.py), by
`tessera scheduler --once` and by `--run JOB`. A failing job is recorded as failed with a one-line
error (the traceback goes to the log) and never stops the others.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass

from engines.common.scheduling import Job
from runtime.scheduler import runs
from runtime.scheduler.triggers import UTC, fire_key, latest_fire_time, to_apscheduler

log = logging.getLogger("tessera.scheduler")

RAN, FAILED, TAKEN, NOT_DUE = "ok", "failed", "taken", "not due"
MAX_ERROR = 500


@dataclass(frozen=True)
class Outcome:
    job_id: str
    status: str                 # ok, failed, taken (claimed by another run), not due
    fire_key: str = ""
    error: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        if self.status == NOT_DUE:
            return f"{self.job_id}: not due"
        if self.status == TAKEN:
            return f"{self.job_id} @ {self.fire_key}: already run or running elsewhere, skipped"
        tail = f": {self.error}" if self.error else ""
        return f"{self.job_id} @ {self.fire_key}: {self.status} in {self.seconds:.2f}s{tail}"


class Runner:
    def __init__(self, platform, host: str | None = None, pid: int | None = None):
        self.platform = platform
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid

    def due(self, job: Job, now: dt.datetime | None = None) -> dt.datetime | None:
        """The firing of `job` to run now: its latest scheduled time within its grace period."""
        return latest_fire_time(to_apscheduler(job.trigger), now or _utcnow(), job.grace)

    def run_due(self, job: Job, now: dt.datetime | None = None) -> Outcome:
        """Run the job's due firing, unless there is none or it was claimed already."""
        fire_time = self.due(job, now)
        if fire_time is None:
            return Outcome(job.id, NOT_DUE)
        return self.fire(job, fire_time)

    def run_now(self, job: Job) -> Outcome:
        """Run the job at once, outside its schedule (`tessera scheduler --run`): a firing of its own."""
        return self.fire(job, _utcnow())

    def fire(self, job: Job, fire_time: dt.datetime) -> Outcome:
        key = fire_key(fire_time)
        run_id = runs.claim(self.platform, job.id, key, self.host, self.pid)
        if run_id is None:
            outcome = Outcome(job.id, TAKEN, key)
            log.info("%s", outcome.line())
            return outcome
        started = time.monotonic()
        error = None
        try:
            job.run(self.platform, fire_time.astimezone(UTC))
        except Exception as exc:   # one job's failure is recorded and must not stop the scheduler
            log.exception("%s @ %s failed", job.id, key)
            error = one_line(exc)
        outcome = Outcome(job.id, FAILED if error else RAN, key, error or "", time.monotonic() - started)
        runs.finish(self.platform, run_id, error)
        log.log(logging.WARNING if error else logging.INFO, "%s", outcome.line())
        return outcome

    def tick(self, job: Job) -> None:
        """What APScheduler calls at each firing of `job` (and once at start for a missed one)."""
        try:
            self.run_due(job)
        except Exception:      # the database away, say: logged; the next firing tries again
            log.exception("%s: could not run its firing", job.id)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR] if text else type(exc).__name__


def _utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)
