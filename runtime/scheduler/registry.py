"""The jobs of one scheduler, collected at its start from every source that contributes some.

Sources are modules defining `scheduler_jobs(platform) -> Iterable[Job]` (engines/common/scheduling.py):
the platform's own (runtime/scheduler/platform_jobs.py) and every engine package's `jobs` module,
found by looking (engines/<name>/jobs.py), so that an engine adds its jobs without a line here.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping

from engines.common.scheduling import Job
from engines.common.problems import did_you_mean
from runtime.scheduler.triggers import TriggerError, to_apscheduler

BUILT_IN = ("runtime.scheduler.platform_jobs", "runtime.outbox.jobs")
HOOK = "scheduler_jobs"


class JobError(Exception):
    """Jobs that cannot be scheduled: every problem, one per line."""


class JobRegistry(Mapping[str, Job]):
    """Job id -> Job, read-only, in the order the sources gave them. Refuses duplicate ids and
    triggers APScheduler cannot use, all of them at once."""

    def __init__(self, jobs: Iterable[Job]):
        found: dict[str, Job] = {}
        problems = []
        for job in jobs:
            if not isinstance(job, Job):
                problems.append(f"not a Job: {job!r}")
                continue
            if job.id in found:
                problems.append(f"job '{job.id}' is defined twice")
                continue
            try:
                to_apscheduler(job.trigger)
            except TriggerError as exc:
                problems.append(f"job '{job.id}': {exc}")
                continue
            found[job.id] = job
        if problems:
            raise JobError("\n".join(problems))
        self._jobs = MappingProxyType(found)

    def __getitem__(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise KeyError(f"no job '{job_id}'{did_you_mean(job_id, self._jobs)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)


def sources() -> list[str]:
    """The modules asked for jobs: the platform's, then each engine's `jobs` module, by name."""
    import engines

    found = list(BUILT_IN)
    for info in sorted(pkgutil.iter_modules(engines.__path__), key=lambda i: i.name):
        name = f"engines.{info.name}.jobs"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            found.append(name)
    return found


def collect_jobs(platform, modules: Iterable[str] | None = None, extra: Iterable[Job] = ()) -> JobRegistry:
    """Ask every source (default: `sources()`) for its jobs, for `platform` as it is now."""
    jobs: list[Job] = []
    for name in (sources() if modules is None else modules):
        hook = getattr(importlib.import_module(name), HOOK, None)
        if hook is None:
            raise JobError(f"{name} has no {HOOK}(platform) function")
        jobs.extend(hook(platform))
    jobs.extend(extra)
    return JobRegistry(jobs)
