"""Colours as "#rrggbb"."""
from __future__ import annotations

import re

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class ColorField(FieldType):
    name = "color"
    label = Label(zh="颜色", en="Color")
    widget = "color"
    filter_ops = ("eq", "ne", "in", "isnull")

    def column_type(self, field):
        return sa.String(7)

    def parse(self, field, raw):
        m = _HEX.fullmatch(raw.strip()) if isinstance(raw, str) else None
        if not m:
            raise FieldError(msg("must be a colour such as #1a2b3c", "必须是颜色，例如 #1a2b3c"))
        digits = m.group(1).lower()
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)     # #abc is #aabbcc
        return "#" + digits

    def json_schema(self, field):
        return {"type": "string", "pattern": "^#[0-9a-f]{6}$"}


FIELD_TYPE = ColorField
