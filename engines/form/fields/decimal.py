"""Exact decimal numbers: Decimal in Python, NUMERIC(precision, scale) in SQL, "12.50" in JSON."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.common.locales import format_number
from engines.form.fields._parsing import check_bound_settings, check_bounds, to_decimal
from engines.form.fields.base import FieldError, FieldType


class DecimalField(FieldType):
    name = "decimal"
    label = Label(zh="小数", en="Decimal")
    widget = "number"
    filter_ops = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "isnull")
    settings_schema = {
        "scale": {"type": "integer", "minimum": 0, "maximum": 10, "default": 2,
                  "description": "digits after the decimal point"},
        "precision": {"type": "integer", "minimum": 1, "maximum": 38, "default": 18,
                      "description": "total number of digits"},
    }
    invalid = msg("must be a number", "必须是数字")

    def scale(self, field) -> int:
        return int(field.settings.get("scale", 2))

    def int_digits(self, field) -> int:
        """Digits allowed before the decimal point."""
        return int(field.settings.get("precision", 18)) - self.scale(field)

    def prepare(self, field, ctx):
        if self.int_digits(field) < 0:
            ctx.problem(("scale",), "scale cannot be larger than precision")
        else:
            check_bound_settings(self, field, ctx)
        return field

    def column_type(self, field):
        return sa.Numeric(self.int_digits(field) + self.scale(field), self.scale(field))

    def clean(self, field, raw):
        """Hook for subclasses: strip currency symbols, percent signs..."""
        return raw

    def parse(self, field, raw):
        value = to_decimal(self.clean(field, raw))
        if value is None:
            raise FieldError(self.invalid)
        scale = self.scale(field)
        _, digits, exponent = value.as_tuple()
        excess = -exponent - scale
        if excess > 0 and any(digits[-excess:]):
            # refuse rather than round: a silently rounded amount is a wrong amount
            raise FieldError(msg(f"must have at most {scale} decimal places", f"最多 {scale} 位小数"))
        if value and value.adjusted() >= self.int_digits(field):
            raise FieldError(msg("is too large", "数值太大"))
        return self.quantize(field, value)

    def quantize(self, field, value) -> Decimal:
        value = value if isinstance(value, Decimal) else to_decimal(value)
        return value.quantize(Decimal(1).scaleb(-self.scale(field)))

    def validate(self, field, value):
        check_bounds(self, field, value)

    def to_json(self, field, value):
        return None if value is None else str(self.quantize(field, value))

    def display(self, field, value, lang="zh"):
        return "" if value is None else f"{self.quantize(field, value):,}"

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_number(self.quantize(field, value), lang, self.scale(field))

    def input_attrs(self, field):
        attrs = {"step": str(Decimal(1).scaleb(-self.scale(field))), "inputmode": "decimal"}
        for key in ("min", "max"):
            bound = to_decimal(getattr(field, key))
            if bound is not None:
                attrs[key] = str(bound)
        return attrs

    def json_schema(self, field):
        scale = self.scale(field)
        fraction = rf"(\.\d{{{scale}}})?" if scale else ""
        return {"type": "string", "pattern": rf"^-?\d+{fraction}$",
                "description": f"decimal number as a string, {scale} decimal places",
                "examples": [str(Decimal("12.5").quantize(Decimal(1).scaleb(-scale)))]}


FIELD_TYPE = DecimalField
