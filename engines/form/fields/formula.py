"""Values computed from the record by an expression, e.g. `record.price * record.quantity`.

Stored (so lists can sort and filter on them); the record service calls `compute` on each save.
Storage, JSON and display follow the `result` type.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from engines.common.labels import Label
from engines.expr.compiler import ExpressionError, compile_expression
from engines.form.fields._parsing import Computed, match_datetime, own_fields, zone
from engines.form.fields.base import FieldType
from engines.form.fields.boolean import BooleanField
from engines.form.fields.date import DateField
from engines.form.fields.decimal import DecimalField
from engines.form.fields.integer import IntegerField
from engines.form.fields.text import TextField
from engines.form.model import SYSTEM_COLUMNS

_RESULTS = MappingProxyType({"text": TextField, "integer": IntegerField, "decimal": DecimalField,
                             "boolean": BooleanField, "date": DateField})


class FormulaField(Computed, FieldType):
    name = "formula"
    label = Label(zh="公式", en="Formula")
    widget = "readonly"
    filter_ops = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "isnull")
    settings_schema = {
        "expression": {"type": "string", "description": "e.g. record.price * record.quantity"},
        "result": {"enum": list(_RESULTS), "default": "decimal",
                   "description": "type of the value (decimal: 2 places)"},
    }
    required_settings = ("expression",)

    def result(self, field) -> FieldType:
        return _RESULTS.get(field.settings.get("result") or "decimal", DecimalField)()

    def prepare(self, field, ctx):
        result = field.settings.get("result") or "decimal"
        if result not in _RESULTS:
            ctx.problem(("result",), f"unknown result type '{result}': use one of {', '.join(_RESULTS)}")
        # the formula itself is left out: a formula reading itself would never settle
        names = {name: None for name in (*SYSTEM_COLUMNS, *own_fields(ctx)) if name != field.name}
        try:
            expression = ctx.compile_expression(field.settings.get("expression"), {"record": names})
        except ExpressionError as exc:
            ctx.problem(("expression",), str(exc))
            return field
        return dataclasses.replace(field, compiled=expression)

    def compute(self, field, record: dict):
        """The value for this record; None when the expression fails (e.g. a blank operand)."""
        expression = field.compiled or compile_expression(field.settings["expression"], {"record": None})
        try:
            value = expression.evaluate({"record": record})
        except ExpressionError:
            return None
        try:
            return self._convert(field, value)
        except (ArithmeticError, TypeError, ValueError):
            return None

    def _convert(self, field, value):
        kind = field.settings.get("result") or "decimal"
        if value is None:
            return None
        if kind == "boolean":
            return bool(value)
        if kind == "text":
            text = value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)
            return text or None
        if kind == "date":
            if isinstance(value, dt.datetime):
                return (value.astimezone(zone(field)) if value.tzinfo else value).date()
            if isinstance(value, dt.date):
                return value
            found = match_datetime(value) if isinstance(value, str) else None
            return found[0] if found else None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return None
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if kind == "integer":
            return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    # storage and output follow the result type
    def column_type(self, field):
        return self.result(field).column_type(field)

    def to_db(self, field, value):
        return self.result(field).to_db(field, value)

    def from_db(self, field, value):
        return self.result(field).from_db(field, value)

    def to_json(self, field, value):
        return self.result(field).to_json(field, value)

    def display(self, field, value, lang="zh"):
        return self.result(field).display(field, value, lang)

    def display_local(self, field, value, lang="zh"):
        return self.result(field).display_local(field, value, lang)

    def json_schema(self, field):
        return {**self.result(field).json_schema(field), "readOnly": True}

    def filter_value(self, field, op, raw):
        return self.result(field).filter_value(field, op, raw)


FIELD_TYPE = FormulaField
