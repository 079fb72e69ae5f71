"""`when: {daily: "09:00", table: members, where: "same_month_day(record.birthday, today())"}`: every day
at that time (the app's time zone), the rule runs once for each record the `where` expression admits
(birthdays today, coupons expiring in 3 days). Each record's run is its own unit of work, so one
failing record does not stop the others."""
from __future__ import annotations

import re
from dataclasses import dataclass

NAME = "daily"
PROPERTIES = {"daily": {"type": "string", "pattern": r"^([01]?\d|2[0-3]):[0-5]\d$",
                        "description": "the time of day, HH:MM in the app's time zone"},
              "where": {"type": "string", "maxLength": 2000}}
REQUIRED = ("table",)
record_scope = True


@dataclass(frozen=True)
class DailyTrigger:
    kind = "daily"
    at: str
    table: str
    where: object = None
    name = None

    @property
    def cron(self) -> str:
        hour, minute = (int(p) for p in re.split(":", self.at))
        return f"{minute} {hour} * * *"


def compile(spec, ctx):
    table = spec.get("table")
    if not ctx.known_table(table, ("when", "table")):
        return None
    ctx.table = table
    where = ctx.expression(spec["where"], ("when", "where")) if "where" in spec else None
    return DailyTrigger(at=spec["daily"], table=table, where=where)
