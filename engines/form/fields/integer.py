"""Whole numbers."""
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.common.locales import format_number
from engines.form.fields.base import FieldError, FieldType


MAX_INT = 2**63 - 1  # what a BIGINT column holds


class IntegerField(FieldType):
    name = "integer"
    label = Label(zh="整数", en="Integer")
    widget = "number"
    filter_ops = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "isnull")

    def column_type(self, field):
        return sa.BigInteger()

    def parse(self, field, raw):
        if isinstance(raw, bool):
            raise FieldError(msg("must be a whole number", "必须是整数"))
        try:
            value = Decimal(raw) if isinstance(raw, int) else Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise FieldError(msg("must be a whole number", "必须是整数")) from None
        if not value.is_finite() or value != value.to_integral_value():
            raise FieldError(msg("must be a whole number", "必须是整数"))
        if abs(value) > MAX_INT:
            raise FieldError(msg("is too large", "数值过大"))
        return int(value)

    def cell_parser(self, field):
        slow = super().cell_parser(field)
        if type(self).parse is not IntegerField.parse:
            return slow

        def parse(cell):
            kind = type(cell)
            if kind is int and -MAX_INT <= cell <= MAX_INT:
                return cell
            if kind is str and len(cell) < 19 and cell.isascii() and cell.isdigit():
                return int(cell)                # what parse gives plain digits, without a Decimal
            return slow(cell)
        return parse

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_number(value, lang)

    def json_schema(self, field):
        return {"type": "integer"}


FIELD_TYPE = IntegerField
