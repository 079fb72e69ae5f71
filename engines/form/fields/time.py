"""Times of day without a date or zone: "14:30", "14:30:15"."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.common.locales import format_time
from engines.form.fields._parsing import check_bound_settings, check_bounds, match_time
from engines.form.fields.base import FieldError, FieldType


class TimeField(FieldType):
    name = "time"
    label = Label(zh="时间", en="Time")
    widget = "time"
    filter_ops = ("eq", "ne", "lt", "lte", "gt", "gte", "isnull")
    invalid = msg("must be a time such as 14:30", "必须是时间，例如 14:30")

    def prepare(self, field, ctx):
        check_bound_settings(self, field, ctx)
        return field

    def column_type(self, field):
        return sa.Time()

    def parse(self, field, raw):
        if isinstance(raw, dt.datetime):
            raw = raw.time()
        if isinstance(raw, dt.time):
            return raw.replace(microsecond=0, tzinfo=None)
        found = match_time(raw) if isinstance(raw, str) else None
        if found is None:
            raise FieldError(self.invalid)
        return found.replace(microsecond=0)

    def parse_cell(self, field, cell):
        # a spreadsheet time is the fraction of a day
        if isinstance(cell, (int, float)) and not isinstance(cell, bool) and 0 <= cell < 1:
            seconds = round(cell * 86400)
            if seconds < 86400:
                return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        return self.coerce(field, cell)

    def validate(self, field, value):
        check_bounds(self, field, value)

    def to_json(self, field, value):
        return None if value is None else value.isoformat()

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_time(value, lang)

    def input_attrs(self, field):
        attrs = {"step": 1}
        for key in ("min", "max"):
            try:
                if getattr(field, key) is not None:
                    attrs[key] = self.parse(field, getattr(field, key)).isoformat()
            except FieldError:
                pass            # reported by prepare
        return attrs

    def json_schema(self, field):
        return {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "examples": ["14:30:00"]}


FIELD_TYPE = TimeField
