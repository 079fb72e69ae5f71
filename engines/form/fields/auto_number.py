"""Sequential numbers such as "M202400042", from a pattern like "M{YYYY}{00000}".

The sequence restarts in every period the pattern's date tokens name: {YYYY} yearly, {YYYY}{MM}
monthly, none: never. The record service keeps one counter per (field, period_key).
"""
from __future__ import annotations

import datetime as dt
import re
from types import MappingProxyType

import sqlalchemy as sa

from engines.common.labels import Label
from engines.form.fields._parsing import DEFAULT_TIMEZONE, Computed, check_timezone, zone
from engines.form.fields.base import FieldType

_TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")
_DATE_FORMATS = MappingProxyType({"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"})


class AutoNumberField(Computed, FieldType):
    name = "auto_number"
    label = Label(zh="自动编号", en="Auto number")
    widget = "readonly"
    searchable = True
    filter_ops = ("eq", "ne", "contains", "in", "isnull")
    settings_schema = {
        "pattern": {"type": "string", "examples": ["M{YYYY}{00000}"],
                    "description": "text with {YYYY} {YY} {MM} {DD} and one {000...} sequence token"},
        "timezone": {"type": "string", "default": DEFAULT_TIMEZONE,
                     "description": "time zone whose calendar the date tokens follow"},
    }
    required_settings = ("pattern",)

    def prepare(self, field, ctx):
        check_timezone(field, ctx)
        pattern = field.settings.get("pattern")
        if not isinstance(pattern, str):
            ctx.problem(("pattern",), "pattern must be a text such as M{YYYY}{00000}")
            return field
        for token in re.findall(r"\{([^{}]*)\}", pattern):
            if not _TOKEN.fullmatch("{" + token + "}"):
                ctx.problem(("pattern",), f"unknown token {{{token}}}: use {{YYYY}} {{YY}} {{MM}} {{DD}} "
                                          "or zeros such as {00000}")
        sequences = [t for t in _TOKEN.findall(pattern) if t.startswith("0")]
        if len(sequences) != 1:
            ctx.problem(("pattern",), f"pattern needs exactly one sequence token such as {{00000}}, "
                                      f"found {len(sequences)}")
        return field

    def column_type(self, field):
        return sa.String(64)

    def _local(self, field, when: dt.datetime) -> dt.datetime:
        return when.astimezone(zone(field)) if when.tzinfo else when

    def period_key(self, field, when: dt.datetime) -> str:
        """The date tokens rendered ("2024" for {YYYY}, "" without date tokens)."""
        local = self._local(field, when)
        return "".join(local.strftime(_DATE_FORMATS[t])
                       for t in _TOKEN.findall(field.settings["pattern"]) if t in _DATE_FORMATS)

    def render(self, field, when: dt.datetime, n: int) -> str:
        local = self._local(field, when)

        def token(m):
            t = m.group(1)
            return local.strftime(_DATE_FORMATS[t]) if t in _DATE_FORMATS else str(n).zfill(len(t))

        return _TOKEN.sub(token, field.settings["pattern"])

    def number_of(self, field, value: str):
        """(period key, sequence number) of a number `render` made, or None: its inverse."""
        return self.number_reader(field)(value)

    def number_reader(self, field):
        """`number_of` for one field, its pattern compiled once (a rewind reads many numbers)."""
        parts, dates = [], []
        pattern = field.settings["pattern"]
        last = 0
        for m in _TOKEN.finditer(pattern):
            parts.append(re.escape(pattern[last:m.start()]))
            token = m.group(1)
            if token in _DATE_FORMATS:
                dates.append(f"d{len(dates)}")
                parts.append(f"(?P<{dates[-1]}>\\d{{{2 if token != 'YYYY' else 4}}})")
            else:
                parts.append("(?P<n>\\d+)")
            last = m.end()
        parts.append(re.escape(pattern[last:]))
        compiled = re.compile("".join(parts))

        def read(value):
            found = compiled.fullmatch(str(value))
            return None if found is None else ("".join(found.group(d) for d in dates), int(found.group("n")))
        return read

    def filter_value(self, field, op, raw):
        return str(raw).strip()


FIELD_TYPE = AutoNumberField
