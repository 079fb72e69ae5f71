"""Lengths of time, stored as whole seconds: "90m", "1h 30m", "1:30:00", "PT1H30M", "1小时30分"."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import MappingProxyType

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.fields._parsing import check_bound_settings, check_bounds, to_decimal
from engines.form.fields.base import FieldError, FieldType

_UNITS = MappingProxyType({
    "d": 86400, "day": 86400, "days": 86400, "天": 86400, "日": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "小时": 3600, "个小时": 3600, "时": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "分钟": 60, "分": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "秒钟": 1, "秒": 1,
})
_UNIT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})")
_PARTS = re.compile(rf"(?:\s*\d+(?:\.\d+)?\s*(?:{_UNIT})\s*,?)+")
_CLOCK = re.compile(r"(\d+):([0-5]\d)(?::([0-5]\d))?")
_ISO = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.IGNORECASE)
_SHOW = (("d", "天", 86400), ("h", "小时", 3600), ("m", "分", 60), ("s", "秒", 1))


class DurationField(FieldType):
    name = "duration"
    label = Label(zh="时长", en="Duration")
    widget = "text"
    filter_ops = ("eq", "ne", "lt", "lte", "gt", "gte", "isnull")
    invalid = msg("must be a duration such as 1h 30m", "必须是时长，例如 1小时30分")

    def prepare(self, field, ctx):
        check_bound_settings(self, field, ctx)
        return field

    def column_type(self, field):
        return sa.BigInteger()

    def parse(self, field, raw):
        seconds = self._seconds(raw)
        if seconds is None or seconds < 0:
            raise FieldError(self.invalid)
        return seconds

    def _seconds(self, raw) -> int | None:
        if isinstance(raw, bool):
            return None
        if isinstance(raw, dt.timedelta):
            return int(raw.total_seconds())
        if isinstance(raw, dt.time):     # spreadsheets hand short durations over as times of day
            return raw.hour * 3600 + raw.minute * 60 + raw.second
        if not isinstance(raw, str):
            number = to_decimal(raw)     # a bare number is seconds
            return int(number) if number is not None and number == int(number) else None
        text = raw.strip().lower()
        if text.isdigit():
            return int(text)
        if m := _CLOCK.fullmatch(text):
            return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)
        if (m := _ISO.fullmatch(text)) and text not in ("p", "pt") and not text.endswith("t"):
            d, h, mi, s = (int(g or 0) for g in m.groups())
            return d * 86400 + h * 3600 + mi * 60 + s
        if _PARTS.fullmatch(text):
            total = sum(Decimal(n) * _UNITS[u] for n, u in _PART.findall(text))
            return int(total.to_integral_value())
        return None

    def validate(self, field, value):
        check_bounds(self, field, value)

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        parts = []
        for en, zh, size in _SHOW:
            count, value = divmod(value, size)
            if count:
                parts.append(f"{count}{en}" if lang == "en" else f"{count}{zh}")
        if not parts:
            return "0s" if lang == "en" else "0秒"
        return " ".join(parts) if lang == "en" else "".join(parts)

    def input_attrs(self, field):
        return {"placeholder": "1h 30m"}

    def json_schema(self, field):
        return {"type": "integer", "minimum": 0, "description": "duration in seconds"}


FIELD_TYPE = DurationField
