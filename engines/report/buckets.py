"""Time buckets and date ranges in the app's time zone.

Stored times are naive UTC. PostgreSQL converts each value exactly (`timezone(zone, timezone('UTC',
t))`, then `date_trunc`). SQLite has no zone database: it shifts by the zone's fixed UTC offset
(`datetime(t, '+480 minutes')`, then `strftime`), exact for zones without daylight saving time such
as Asia/Shanghai; in a zone with DST a value within an hour of midnight near a DST change can land in
the neighbouring bucket. Date ranges are exact on both: their bounds are worked out here, in Python,
and compared with the stored UTC values.

A bucket is named by the local date it starts on (weeks start on Monday).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

DEFAULT_SPAN = {"day": 30, "week": 12, "month": 12, "quarter": 8, "year": 5}   # buckets shown without a range


def local_offset_minutes(zone: ZoneInfo) -> int:
    """The zone's standard offset (January's in the north, July's in the south: the smaller one)."""
    year = dt.datetime.now().year
    offsets = [zone.utcoffset(dt.datetime(year, m, 1)) for m in (1, 7)]
    return int(min(offsets).total_seconds() // 60)


def bucket_sql(col, bucket: str, value_type: str, zone: ZoneInfo, dialect: str):
    """The SQL of the bucket `col` falls in: a 'YYYY-MM-DD' text on SQLite, a date on PostgreSQL."""
    if dialect == "postgresql":
        local = (sa.func.timezone(zone.key, sa.func.timezone("UTC", col)) if value_type == "datetime"
                 else sa.cast(col, sa.DateTime))
        return sa.cast(sa.func.date_trunc(bucket, local), sa.Date)
    # the shift is a modifier of the one date function each bucket takes: the text is parsed once a row
    shift = () if value_type == "date" else (f"{local_offset_minutes(zone):+d} minutes",)
    if bucket == "day":
        return sa.func.date(col, *shift)
    if bucket == "week":
        return sa.func.date(col, *shift, "weekday 0", "-6 days")
    if bucket == "month":
        return sa.func.strftime("%Y-%m-01", col, *shift)
    if bucket == "year":
        return sa.func.strftime("%Y-01-01", col, *shift)
    month = sa.func.strftime("%m", col, *shift)
    quarter = {"01": "01", "02": "01", "03": "01", "04": "04", "05": "04", "06": "04",
               "07": "07", "08": "07", "09": "07", "10": "10", "11": "10", "12": "10"}
    first = sa.case(*[(month == m, q) for m, q in quarter.items()])
    return sa.func.strftime("%Y-", col, *shift).concat(first).concat("-01")


def bucket_start(day: dt.date, bucket: str) -> dt.date:
    if bucket == "day":
        return day
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    if bucket == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def next_bucket(day: dt.date, bucket: str) -> dt.date:
    if bucket == "day":
        return day + dt.timedelta(days=1)
    if bucket == "week":
        return day + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def calendar(start: dt.date, end: dt.date, bucket: str, limit: int = 2000) -> list[dt.date]:
    """The buckets from the one holding `start` to the one holding the day before `end`."""
    out, day = [], bucket_start(start, bucket)
    while day < end and len(out) < limit:
        out.append(day)
        day = next_bucket(day, bucket)
    return out


def as_date(value) -> dt.date | None:
    """A bucket key as the database returns it (text on SQLite, a date on PostgreSQL)."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def key_literal(day: dt.date, dialect: str):
    """A bucket key as the bucket SQL gives it, for the calendar the results are joined to."""
    return sa.literal(day, sa.Date) if dialect == "postgresql" else sa.literal(day.isoformat(), sa.String)


# -- date ranges ---------------------------------------------------------------------------------
class BadRange(ValueError):
    pass


def named_range(name: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """[start, end) in local dates; (None, None) for 'all'."""
    end = today + dt.timedelta(days=1)
    days = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}
    if name in days:
        return end - dt.timedelta(days=days[name]), end
    if name == "last_12_months":
        following = next_bucket(bucket_start(today, "month"), "month")     # in December: next 1 January
        return following.replace(year=following.year - 1), end
    if name in ("this_month", "this_quarter", "this_year"):
        return bucket_start(today, name[5:]), end
    if name == "all":
        return None, None
    raise BadRange(f"unknown range '{name}'")


def parse_range(args, default: str, zone: ZoneInfo, today: dt.date | None = None):
    """(start, end) local dates from ?from=YYYY-MM-DD&to=YYYY-MM-DD (to is inclusive) or ?range=."""
    today = today or dt.datetime.now(zone).date()
    start, end = args.get("from") or None, args.get("to") or None
    if start or end:
        try:
            start = dt.date.fromisoformat(start) if start else None
            end = dt.date.fromisoformat(end) + dt.timedelta(days=1) if end else None
        except ValueError:
            raise BadRange("dates are written YYYY-MM-DD") from None
        if start and end and start >= end:
            raise BadRange("the range ends before it starts")
        return start, end
    return named_range(args.get("range") or default, today)


def utc_bound(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """Local midnight of `day` as the naive UTC datetime the database stores."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)
