"""Dates and times. today() and now() are bound to the evaluation context's time zone (the app's),
so "today" at 00:30 in Shanghai is not yesterday in UTC."""
from __future__ import annotations

import calendar
import datetime as dt

from engines.common import clock
from engines.expr.errors import ExpressionError

DEFAULT_ZONE = "Asia/Shanghai"  # the platform's default app zone (DESIGN: Money, points, time)
MAX_DAYS = 3_660_000       # a timedelta of ten thousand years is already absurd


def today(zone):
    """today(): the date in the app's time zone."""
    return clock.now(zone).date()


def now(zone):
    """now(): the aware date and time in the app's time zone."""
    return clock.now(zone)


def as_date(x, fn: str) -> dt.date:
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    if isinstance(x, str):
        try:
            return dt.date.fromisoformat(x.strip()[:10])
        except ValueError:
            pass
    raise ExpressionError(f"{fn}() needs a date, got {type(x).__name__} {x!r}")


def _whole(n, fn: str, limit: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > limit:
        raise ExpressionError(f"{fn}() needs a whole number up to {limit:,}, got {n!r}")
    return n


def days(n):
    """days(n): a duration of n days, to add to or subtract from a date (today() + days(3))."""
    return dt.timedelta(days=_whole(n, "days", MAX_DAYS))


def hours(n):
    """hours(n): a duration of n hours, to add to a time (now() + hours(2): a due time)."""
    return dt.timedelta(hours=_whole(n, "hours", MAX_DAYS * 24))


def year(d):
    """year(date)"""
    return as_date(d, "year").year


def month(d):
    """month(date): 1 to 12"""
    return as_date(d, "month").month


def day(d):
    """day(date): day of the month, 1 to 31"""
    return as_date(d, "day").day


def weekday(d):
    """weekday(date): 1 (Monday) to 7 (Sunday), ISO numbering."""
    return as_date(d, "weekday").isoweekday()


def days_between(a, b):
    """days_between(a, b): whole days from a to b (positive when b is later)."""
    return (as_date(b, "days_between") - as_date(a, "days_between")).days


def date_diff(a, b):
    """date_diff(a, b): whole days from b to a (kept for existing definitions; days_between reads
    in the natural order)."""
    return days_between(b, a)


def add_days(d, n):
    """add_days(date, n): the date n days later (earlier when n is negative)."""
    try:
        return as_date(d, "add_days") + dt.timedelta(days=_whole(n, "add_days", MAX_DAYS))
    except OverflowError:
        raise ExpressionError("add_days() goes beyond the calendar") from None


def add_months(d, n):
    """add_months(date, n): the same day n months later, clamped to the month's end
    (31 January + 1 month = 28 or 29 February; 29 February + 12 months = 28 February)."""
    d = as_date(d, "add_months")
    index = d.year * 12 + d.month - 1 + _whole(n, "add_months", 12 * 9000)
    y, m = divmod(index, 12)
    if not 1 <= y <= 9999:
        raise ExpressionError("add_months() goes beyond the calendar")
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def same_month_day(d, on):
    """same_month_day(date, on): whether `on` is the anniversary of `date` (a birthday check:
    same_month_day(record.birthday, today())). Someone born on 29 February celebrates on
    28 February in years without one. False when `date` is missing."""
    if d is None:
        return False
    d, on = as_date(d, "same_month_day"), as_date(on, "same_month_day")
    if (d.month, d.day) == (on.month, on.day):
        return True
    return (d.month, d.day) == (2, 29) and (on.month, on.day) == (2, 28) \
        and not calendar.isleap(on.year)
