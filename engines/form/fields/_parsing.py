"""Helpers shared by several field types: numbers, dates and times, bounds, compile-time lookups.

Private (leading underscore), so the registry does not treat it as a field type.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engines.common.labels import msg
from engines.form.fields.base import FieldError

DEFAULT_TIMEZONE = "Asia/Shanghai"
UTC = dt.timezone.utc
EXCEL_EPOCH = dt.datetime(1899, 12, 30)   # serial 1 = 1900-01-01, counting Excel's fake 1900-02-29
EXCEL_MAX_SERIAL = 2958466               # 9999-12-31

_DATE = r"(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
_TIME = r"(?P<h>\d{1,2})[:：](?P<mi>\d{2})(?:[:：](?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
_ZONE = r"(?P<z>Z|[+-]\d{2}:?\d{2})?"
DATETIME_RE = re.compile(rf"{_DATE}(?:(?:\s*T\s*|\s+|(?<=日)){_TIME}\s*{_ZONE})?", re.IGNORECASE)
TIME_RE = re.compile(_TIME)


# -- numbers ---------------------------------------------------------------------------------
def to_decimal(raw: Any) -> Decimal | None:
    """A finite Decimal from a number or a string such as "1,234.5"; None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        raw = str(raw)                    # Decimal(str(x)): 0.1 stays 0.1, not 0.1000000000000000055
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip().replace(",", "").replace("，", "").replace(" ", ""))
        except InvalidOperation:
            return None
    else:
        return None
    return value if value.is_finite() else None


def plain_decimal(value: Decimal) -> str:
    """'15', '12.5': no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def load_json(text: str, invalid, kind: type | tuple = object):
    """Parse JSON text typed into a form field; FieldError(invalid) unless it is a `kind`."""
    try:
        value = json.loads(text)
    except ValueError:
        raise FieldError(invalid) from None
    if not isinstance(value, kind):
        raise FieldError(invalid)
    return value


# -- dates and times -------------------------------------------------------------------------
def zone(field) -> ZoneInfo:
    return ZoneInfo(field.settings.get("timezone") or DEFAULT_TIMEZONE)


def check_timezone(field, ctx) -> None:
    name = field.settings.get("timezone")
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        ctx.problem(("timezone",), f"unknown time zone '{name}'")


def match_datetime(text: str):
    """(date, time | None, tzinfo | None) from '2024-03-05', '2024/3/5 14:30', '2024年3月5日',
    '2024-03-05T14:30:00+08:00'...; None when the text is not a date or is not a real day."""
    m = DATETIME_RE.fullmatch(text.strip())
    if not m:
        return None
    try:
        day = dt.date(int(m["y"]), int(m["mo"]), int(m["d"]))
        time = _time_of(m) if m["h"] else None
    except ValueError:
        return None
    return day, time, _tzinfo(m["z"]) if m["z"] else None


def match_time(text: str) -> dt.time | None:
    m = TIME_RE.fullmatch(text.strip())
    if not m:
        return None
    try:
        return _time_of(m)
    except ValueError:
        return None


def _time_of(m) -> dt.time:
    micro = int((m["f"] or "0").ljust(6, "0"))
    return dt.time(int(m["h"]), int(m["mi"]), int(m["s"] or 0), micro)


def _tzinfo(z: str) -> dt.tzinfo:
    if z.upper() == "Z":
        return UTC
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def excel_serial(n) -> dt.datetime:
    """A spreadsheet serial number (days since 1899-12-30, fraction = time of day), naive."""
    days = Decimal(str(n))
    if not 0 < days < EXCEL_MAX_SERIAL:
        raise FieldError(msg(f"{n} is not a spreadsheet date", f"{n} 不是表格日期"))
    return EXCEL_EPOCH + dt.timedelta(seconds=int((days * 86400).to_integral_value()))


def isoformat_utc(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- constraints -----------------------------------------------------------------------------
def check_bounds(ftype, field, value, convert: Callable | None = None) -> None:
    """min/max compared after conversion: a definition may say `min: "2024-01-01"` or `max: 1.5`
    (a float bound compared to a Decimal directly would be off by the float's error)."""
    if value is None:
        return
    convert = convert or (lambda bound: ftype.parse(field, bound))
    if field.min is not None:
        low = convert(field.min)
        if value < low:
            raise FieldError(msg(f"must be at least {ftype.display(field, low, 'en')}",
                                 f"不能小于 {ftype.display(field, low, 'zh')}"))
    if field.max is not None:
        high = convert(field.max)
        if value > high:
            raise FieldError(msg(f"must be at most {ftype.display(field, high, 'en')}",
                                 f"不能大于 {ftype.display(field, high, 'zh')}"))


def check_bound_settings(ftype, field, ctx, convert: Callable | None = None) -> None:
    """Report a min/max the type cannot read at compile time, instead of on the first save."""
    convert = convert or (lambda bound: ftype.parse(field, bound))
    for key in ("min", "max"):
        bound = getattr(field, key)
        if bound is None:
            continue
        try:
            convert(bound)
        except FieldError as exc:
            ctx.problem((key,), f"invalid {key} {bound!r}: {exc.message.en}")


# -- computed types --------------------------------------------------------------------------
class Computed:
    """Mixin (put it first) for values the platform fills: a user may only leave them blank."""
    computed = True

    def parse(self, field, raw):
        raise FieldError(msg("is computed and cannot be set", "由系统计算，不能填写"))


def own_fields(ctx) -> dict:
    """The raw field specs of the table being compiled (the builder sets `ctx.table`)."""
    table = ctx.tables.get(getattr(ctx, "table", None)) or {}
    return table.get("fields") or {}


def json_safe(value: Any) -> Any:
    """A value of unknown type (lookup, rollup) made JSON-safe the way typed fields do it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return isoformat_utc(value) if value.tzinfo else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value
