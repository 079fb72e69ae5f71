"""Percentages, stored as the percentage number: "15%" is Decimal("15.00"), not 0.15."""
from __future__ import annotations

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.common.locales import format_number
from engines.form.fields._parsing import plain_decimal
from engines.form.fields.decimal import DecimalField


class PercentField(DecimalField):
    name = "percent"
    label = Label(zh="百分比", en="Percent")
    settings_schema = {
        "scale": {"type": "integer", "minimum": 0, "maximum": 4, "default": 2,
                  "description": "digits after the decimal point of the percentage"},
    }
    invalid = msg("must be a percentage such as 15%", "必须是百分比，例如 15%")

    def int_digits(self, field) -> int:
        return 5        # the column is NUMERIC(9, 4) whatever the scale

    def column_type(self, field):
        return sa.Numeric(9, 4)

    def clean(self, field, raw):
        if isinstance(raw, str):
            return raw.strip().rstrip("%％").strip()
        return raw

    def display(self, field, value, lang="zh"):
        return "" if value is None else plain_decimal(self.quantize(field, value)) + "%"

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_number(self.quantize(field, value), lang) + "%"


FIELD_TYPE = PercentField
