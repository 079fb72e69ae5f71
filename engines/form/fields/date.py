"""Calendar dates. Accepts ISO, 2024/3/5, 2024年3月5日, and spreadsheet serial numbers on import."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from engines.common import clock
from engines.common.labels import Label, msg
from engines.common.locales import format_date
from engines.form.fields._parsing import (DEFAULT_TIMEZONE, check_bound_settings, check_bounds,
                                          check_timezone, excel_serial, match_datetime, zone)
from engines.form.fields.base import FieldError, FieldType

_SERIAL = re.compile(r"\d{5}(?:\.0+)?")                  # 10000 (1927) .. 99999 (2173)
_COMPACT = re.compile(r"((?:19|20)\d\d)(\d\d)(\d\d)")


class DateField(FieldType):
    name = "date"
    label = Label(zh="日期", en="Date")
    widget = "date"
    filter_ops = ("eq", "ne", "lt", "lte", "gt", "gte", "isnull")
    cells_repeat = True
    settings_schema = {
        "timezone": {"type": "string", "default": DEFAULT_TIMEZONE,
                     "description": "time zone whose calendar day `today` means"},
    }
    invalid = msg("must be a date such as 2024-03-05", "必须是日期，例如 2024-03-05")
    dynamic = "today"     # the default/min/max keyword meaning "the current one"

    def prepare(self, field, ctx):
        check_timezone(field, ctx)
        check_bound_settings(self, field, ctx, lambda b: self.bound(field, b))
        return field

    def column_type(self, field):
        return sa.Date()

    def now(self, field):
        return clock.now(zone(field)).date()

    def bound(self, field, raw):
        """A default/min/max from the definition: a date, or the keyword."""
        return self.now(field) if raw == self.dynamic else self.parse(field, raw)

    def default_value(self, field):
        return None if field.default is None else self.bound(field, field.default)

    def parse(self, field, raw):
        if isinstance(raw, dt.datetime):
            return (raw.astimezone(zone(field)) if raw.tzinfo else raw).date()
        if isinstance(raw, dt.date):
            return raw
        found = match_datetime(raw) if isinstance(raw, str) else None
        # a date with a time is only a date when the time is midnight (CSV exports "2024-03-05 00:00:00")
        if found is None or found[2] is not None or (found[1] or dt.time()) != dt.time():
            raise FieldError(self.invalid)
        return found[0]

    def parse_cell(self, field, cell):
        if isinstance(cell, str) and _SERIAL.fullmatch(cell.strip()):
            cell = float(cell)          # a serial saved as text in a CSV: "45356"
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            return self.coerce(field, excel_serial(cell))
        if isinstance(cell, str) and (m := _COMPACT.fullmatch(cell.strip())):
            cell = "-".join(m.groups())  # 20240305, as many Chinese systems export dates
        return self.coerce(field, cell)

    def validate(self, field, value):
        check_bounds(self, field, value, lambda b: self.bound(field, b))

    def from_db(self, field, value):
        return value.date() if isinstance(value, dt.datetime) else value

    def to_json(self, field, value):
        return None if value is None else value.isoformat()

    def display(self, field, value, lang="zh"):
        return "" if value is None else value.isoformat()

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_date(value, lang)

    def input_attrs(self, field):
        attrs = {}
        for key in ("min", "max"):
            if getattr(field, key) is not None:
                try:
                    attrs[key] = self.form_value(field, self.bound(field, getattr(field, key)))
                except FieldError:
                    pass        # reported by prepare
        return attrs

    def json_schema(self, field):
        return {"type": "string", "format": "date"}


FIELD_TYPE = DateField
