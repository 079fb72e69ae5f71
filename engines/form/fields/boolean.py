"""Yes/no, shown as a checkbox."""
import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType

_TRUE = frozenset({"true", "t", "1", "yes", "y", "on", "是", "对", "√", "✓", "✔"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "off", "否", "错", "×", "✗", "✘"})


class BooleanField(FieldType):
    name = "boolean"
    label = Label(zh="是否", en="Yes/No")
    widget = "checkbox"
    filter_ops = ("eq", "ne", "isnull")
    cells_repeat = True

    def column_type(self, field):
        return sa.Boolean()

    def parse(self, field, raw):
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return bool(raw)
        text = str(raw).strip().lower() if isinstance(raw, str) else None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise FieldError(msg("must be yes or no", "必须是“是”或“否”"))

    def validate(self, field, value):
        return None     # min/max/pattern mean nothing for a yes/no

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        if lang == "en":
            return "Yes" if value else "No"
        return "是" if value else "否"

    def form_value(self, field, value):
        return bool(value)   # the checkbox template tests truth; the string "False" is truthy

    def json_schema(self, field):
        return {"type": "boolean"}


FIELD_TYPE = BooleanField
