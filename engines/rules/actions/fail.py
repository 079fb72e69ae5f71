"""`fail: {zh: 积分不足, en: Not enough points}`: refuse the write that triggered the rule. Nothing of
the unit of work is kept, and the person (page or API, 422) sees the message. With `{message: ...,
field: points}` the message is shown next to that field."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.form.errors import RecordError

NAME = "fail"
SCHEMA = {"x-expected": "a message, {zh: ..., en: ...}, or {message: ..., field: ...}",
          "anyOf": [{"$ref": "#/$defs/label"},
                    {"type": "object", "required": ["message"], "additionalProperties": False,
                     "properties": {"message": {"$ref": "#/$defs/label"}, "field": {"type": "string"}}}]}


class RuleFailed(RecordError):
    status = 422
    code = "rule_failed"


@dataclass(frozen=True)
class Fail:
    message: Label
    field: str | None = None

    def run(self, rc):
        raise RuleFailed(self.message, {self.field: self.message} if self.field else None)


def compile(value, ctx, path):
    if isinstance(value, dict) and "message" in value:
        field = value.get("field")
        if field is not None and (ctx.table is None or field not in ctx.tables[ctx.table].fields):
            ctx.report(path + ("field",), f"unknown field '{field}'")
        return Fail(Label.of(value["message"]), field)
    return Fail(Label.of(value))
