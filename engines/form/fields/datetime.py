"""Points in time: aware UTC datetimes in Python, naive UTC in the database, local on screen.

Input without a zone is wall-clock time in the field's `timezone` (default Asia/Shanghai).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engines.common import clock
from engines.common.labels import Label, msg
from engines.common.locales import format_datetime
from engines.form.fields._parsing import (DEFAULT_TIMEZONE, UTC, excel_serial, isoformat_utc,
                                          match_datetime, zone)
from engines.form.fields.base import FieldError
from engines.form.fields.date import DateField


class DateTimeField(DateField):
    name = "datetime"
    label = Label(zh="日期时间", en="Date and time")
    widget = "datetime"
    settings_schema = {
        "timezone": {"type": "string", "default": DEFAULT_TIMEZONE,
                     "description": "time zone of input without an offset, and of display"},
    }
    invalid = msg("must be a date and time such as 2024-03-05 14:30",
                  "必须是日期时间，例如 2024-03-05 14:30")
    dynamic = "now"

    def column_type(self, field):
        return sa.DateTime()

    def now(self, field):
        return clock.now(UTC).replace(microsecond=0)

    cells_repeat = False      # mostly distinct values: nothing to remember

    def parse(self, field, raw):
        if isinstance(raw, dt.datetime):
            return self._utc(field, raw)
        if isinstance(raw, dt.date):
            return self._utc(field, dt.datetime.combine(raw, dt.time()))
        found = match_datetime(raw) if isinstance(raw, str) else None
        if found is None:
            raise FieldError(self.invalid)
        day, time, tz = found
        return self._utc(field, dt.datetime.combine(day, time or dt.time(), tzinfo=tz))

    def _utc(self, field, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone(field))
        return value.astimezone(UTC).replace(microsecond=0)

    def parse_cell(self, field, cell):
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            cell = excel_serial(cell)       # local wall-clock time, like any naive cell
        return self.coerce(field, cell)

    def to_db(self, field, value):
        if not isinstance(value, dt.datetime):
            return value
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value

    def from_db(self, field, value):
        if not isinstance(value, dt.datetime):
            return value
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def to_json(self, field, value):
        return None if value is None else isoformat_utc(value)

    def display(self, field, value, lang="zh"):
        return "" if value is None else value.astimezone(zone(field)).strftime("%Y-%m-%d %H:%M")

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_datetime(value, lang, zone(field))

    def form_value(self, field, value):
        # what <input type="datetime-local"> expects, in the field's zone
        if value is None:
            return ""
        local = value.astimezone(zone(field))
        return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")

    def json_schema(self, field):
        return {"type": "string", "format": "date-time"}


FIELD_TYPE = DateTimeField
