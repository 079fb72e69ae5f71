"""Any JSON value (object, array, number...), stored as JSON text."""
from __future__ import annotations

import json

from engines.common.labels import Label, msg
from engines.form.fields._parsing import load_json
from engines.form.fields.base import FieldError, FieldType

_INVALID = msg("must be valid JSON", "必须是有效的 JSON")


class JsonField(FieldType):
    name = "json"
    label = Label(zh="JSON", en="JSON")
    widget = "json"
    sortable = False
    filter_ops = ("isnull",)

    def parse(self, field, raw):
        # a string is JSON text (what the form's textarea posts); anything else is the value itself
        value = load_json(raw, _INVALID) if isinstance(raw, str) else raw
        try:
            json.dumps(value, allow_nan=False)      # refuse NaN, sets, dates...
        except (TypeError, ValueError):
            raise FieldError(_INVALID) from None
        return value

    def to_db(self, field, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def from_db(self, field, value):
        return json.loads(value) if isinstance(value, str) else value

    def display(self, field, value, lang="zh"):
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    def form_value(self, field, value):
        return "" if value is None else json.dumps(value, ensure_ascii=False, indent=2)

    def json_schema(self, field):
        return {}


FIELD_TYPE = JsonField
