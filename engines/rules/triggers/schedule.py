"""`when: {schedule: "0 9 * * 1"}`: a cron expression (minute hour day month weekday) read in the app's
time zone. The rule sees no record; its actions usually create records or send messages."""
from __future__ import annotations

from dataclasses import dataclass

NAME = "schedule"
PROPERTIES = {"schedule": {"type": "string", "maxLength": 100,
                           "description": "cron: minute hour day month weekday, in the app's time zone"}}
REQUIRED = ()
record_scope = False


@dataclass(frozen=True)
class ScheduleTrigger:
    kind = "schedule"
    cron: str
    table = None
    name = None


def check_cron(expression: str, ctx, path) -> bool:
    from apscheduler.triggers.cron import CronTrigger   # the scheduler's own reading of the expression
    try:
        CronTrigger.from_crontab(expression)
    except ValueError as exc:
        ctx.report(path, f"invalid cron expression '{expression}': {exc} (five fields: minute hour day month weekday)")
        return False
    return True


def compile(spec, ctx):
    if not check_cron(spec["schedule"], ctx, ("when", "schedule")):
        return None
    return ScheduleTrigger(cron=spec["schedule"])
