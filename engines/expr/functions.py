"""The function library available to expressions. Pure functions only; no I/O here."""
from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal


def _num(x):
    return Decimal(str(x)) if isinstance(x, float) else x


def floor(x):
    return int(math.floor(_num(x)))


def ceil(x):
    return int(math.ceil(_num(x)))


def round_(x, places: int = 0):
    x = _num(x)
    if isinstance(x, Decimal):
        q = Decimal(1).scaleb(-int(places))
        value = x.quantize(q, rounding=ROUND_HALF_UP)
        return int(value) if places == 0 else value
    return round(x, places)


def today():
    return dt.date.today()


def now():
    return dt.datetime.now(dt.timezone.utc)


def days(n):
    return dt.timedelta(days=int(n))


def date_diff(a, b):
    """Whole days from b to a."""
    return (_as_date(a) - _as_date(b)).days


def _as_date(x):
    return x.date() if isinstance(x, dt.datetime) else x


def year(d):
    return d.year


def month(d):
    return d.month


def day(d):
    return d.day


def concat(*parts):
    return "".join("" if p is None else str(p) for p in parts)


def coalesce(*values):
    return next((v for v in values if v is not None), None)


FUNCTIONS = {
    "floor": floor, "ceil": ceil, "round": round_, "min": min, "max": max, "abs": abs,
    "int": int, "decimal": lambda x: Decimal(str(x)), "str": str, "len": len,
    "today": today, "now": now, "days": days, "date_diff": date_diff,
    "year": year, "month": month, "day": day,
    "upper": lambda s: str(s).upper(), "lower": lambda s: str(s).lower(),
    "trim": lambda s: str(s).strip(), "concat": concat, "coalesce": coalesce,
}
