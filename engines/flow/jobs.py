"""The flows' scheduled job: every minute, each app's due tasks time out as their nodes say (reassign,
decide automatically, or follow the `timeout` edge). A firing missed while no scheduler ran is caught
up by the next one: due tasks stay due until handled."""
from __future__ import annotations

import datetime as dt

from engines.common.scheduling import Interval, Job


def scheduler_jobs(platform) -> list[Job]:
    if not any(inst.app.flows for inst in platform.apps.values()):
        return []
    return [Job(id="flows.timeouts", trigger=Interval(dt.timedelta(minutes=1)), run=_fire,
                description="flow tasks past their time-out")]


def _fire(platform, fire_time):
    counts = {}
    for name, inst in platform.apps.items():
        runtime = inst.form.extensions.get("flows")
        if runtime is not None and runtime.flows:
            counts[name] = runtime.run_timeouts()
    return ", ".join(f"{k} {v}" for k, v in counts.items())
