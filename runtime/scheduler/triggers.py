"""A job's trigger (engines/common/scheduling.py) as an APScheduler trigger, and the firing times it gives.

A firing is named by its key, the scheduled time in UTC (`2024-05-01T01:00:00Z`): the same in every
scheduler process, whatever its clock or time zone, so that the key can be claimed once.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engines.common.scheduling import Cron, Interval

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)   # where interval triggers count from, in every process
_TICK = dt.timedelta(microseconds=1)


class TriggerError(ValueError):
    """A trigger that cannot be scheduled (bad cron expression, unknown time zone, interval < 1 s)."""


def to_apscheduler(trigger: Cron | Interval) -> BaseTrigger:
    if isinstance(trigger, Cron):
        try:
            zone = ZoneInfo(trigger.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise TriggerError(f"unknown time zone '{trigger.timezone}'") from None
        try:
            return CronTrigger.from_crontab(trigger.expression, timezone=zone)
        except ValueError as exc:
            raise TriggerError(f"invalid cron expression '{trigger.expression}': {exc}") from None
    if isinstance(trigger, Interval):
        if trigger.every < dt.timedelta(seconds=1):
            raise TriggerError(f"interval {trigger.every} is shorter than one second")
        return IntervalTrigger(seconds=trigger.every.total_seconds(), start_date=EPOCH, timezone=UTC)
    raise TriggerError(f"not a trigger: {trigger!r} (expected Cron or Interval)")


def next_fire_time(trigger: BaseTrigger, after: dt.datetime) -> dt.datetime | None:
    """The first firing strictly after `after`, in UTC."""
    found = trigger.get_next_fire_time(None, after + _TICK)
    return found.astimezone(UTC) if found else None


def latest_fire_time(trigger: BaseTrigger, now: dt.datetime, grace: dt.timedelta) -> dt.datetime | None:
    """The last firing at or before `now` and no older than `grace`, in UTC; None if there is none.

    Looks back through windows that double in length (1 s, 2 s, 4 s ... up to `grace`), so that a
    job firing every minute and one firing once a day both cost a few trigger computations."""
    earliest = now - grace
    window = dt.timedelta(seconds=1)
    while True:
        start = max(now - window, earliest)
        found = trigger.get_next_fire_time(None, start)
        if found is not None and found <= now:
            while True:
                later = next_fire_time(trigger, found)
                if later is None or later > now:
                    return found.astimezone(UTC)
                found = later
        if start <= earliest:
            return None
        window *= 2


def fire_key(fire_time: dt.datetime) -> str:
    """`2024-05-01T01:00:00Z` (microseconds kept when there are any: a manual run's key)."""
    return fire_time.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
