"""`fail: {zh: 积分不足, en: Not enough points}`: refuse the write that triggered the rule. Nothing of
the unit of work is kept, and the person (page or API, 422) sees the message. With `{message: ...,
field: points}` the message is shown next to that field. A message with `{{ ... }}` is a template over
the rule's variables, as notify's body is: "该商品 {{ record.product.on_sale_from }} 开售"."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.common.templates import TemplateError, compile_template, render
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
    templates: tuple | None = None     # (zh, en) compiled, when the message has {{ }} or {% %}

    def run(self, rc):
        message = self.message
        if self.templates is not None:
            context = dict(rc.variables)
            try:
                message = Label(zh=render(self.templates[0], context), en=render(self.templates[1], context))
            except TemplateError as exc:
                rc.fail(str(exc))
        raise RuleFailed(message, {self.field: message} if self.field else None)


def compile(value, ctx, path):
    field = None
    if isinstance(value, dict) and "message" in value:
        field = value.get("field")
        if field is not None and (ctx.table is None or field not in ctx.tables[ctx.table].fields):
            ctx.report(path + ("field",), f"unknown field '{field}'")
        path, value = path + ("message",), value["message"]
    label = Label.of(value)
    templates = None
    if any(mark in text for text in (label.zh, label.en) for mark in ("{{", "{%")):
        try:
            templates = tuple(compile_template(text, lang) for lang, text in (("zh", label.zh), ("en", label.en)))
        except TemplateError as exc:
            ctx.report(path, str(exc))
            return None
    return Fail(label, field, templates)
