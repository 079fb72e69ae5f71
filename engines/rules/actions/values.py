"""Values in actions: a string starting with "=" is an expression (`amount: =floor(record.amount)`),
anything else is the value itself (`status: completed`, `points: 10`), as in a spreadsheet cell."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.common.problems import did_you_mean
from engines.expr.records import RecordView


@dataclass(frozen=True)
class Value:
    literal: Any = None
    expression: Any = None

    def get(self, rc):
        if self.expression is None:
            return self.literal
        return plain(rc.evaluate(self.expression))


def plain(value):
    """A value for the record service: a record reached through a link (`=record.member`) is its id."""
    if isinstance(value, RecordView):
        return value.id
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def compile_value(raw, ctx, path) -> Value:
    if isinstance(raw, str) and raw.startswith("="):
        return Value(expression=ctx.expression(raw[1:], path))
    return Value(literal=raw)


def compile_values(raw, table, ctx, path) -> dict[str, Value]:
    """{field: Value} for fields of `table`, reporting unknown and computed fields."""
    out = {}
    if not isinstance(raw, dict):
        return out
    fields = ctx.tables[table].fields
    for name, v in raw.items():
        if name not in fields:
            ctx.report(path + (name,), f"unknown field '{name}' of '{table}'{did_you_mean(name, fields)}", True)
            continue
        out[name] = compile_value(v, ctx, path + (name,))
    return out


VALUES_SCHEMA = {"type": "object", "maxProperties": 200,
                 "additionalProperties": {"x-expected": "a value, or an expression starting with =",
                                          "type": ["string", "number", "boolean", "null", "array", "object"]}}
