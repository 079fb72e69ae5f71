"""One choice among the field's options; stores the option key."""
from __future__ import annotations

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType


class SelectField(FieldType):
    name = "select"
    label = Label(zh="单选", en="Select")
    widget = "select"
    filter_ops = ("eq", "ne", "in", "isnull")
    cells_repeat = True

    def prepare(self, field, ctx):
        if not field.options:
            ctx.problem(("options",), f"a {self.name} field needs options")
        return field

    def option_key(self, field, text: str) -> str:
        """The key of the option named by its key or either label; the text itself when none is
        (validate refuses it, so a filter on an unknown key simply finds nothing)."""
        if field.option(text) is not None:
            return text
        folded = text.casefold()
        for option in field.options:
            if folded in (option.label.zh.casefold(), option.label.en.casefold()):
                return option.key
        return text

    def parse(self, field, raw):
        return self.option_key(field, super().parse(field, raw).strip())

    def validate(self, field, value):
        if value is not None and field.option(value) is None:
            raise FieldError(msg(f"'{value}' is not one of the options", f"“{value}”不是可选项"))

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        option = field.option(value)
        return option.label.get(lang) if option else str(value)

    def json_schema(self, field):
        schema = {"type": "string"}
        if field.options:
            schema["enum"] = [o.key for o in field.options]
        return schema


FIELD_TYPE = SelectField
