"""Several choices among the field's options; a list of keys, stored as JSON text."""
from __future__ import annotations

import json
import re

from engines.common.labels import Label, msg
from engines.form.fields._parsing import load_json
from engines.form.fields.base import FieldError, _escape_like, is_blank
from engines.form.fields.select import SelectField

_SEPARATORS = re.compile(r"[,，、;；\n]")
_INVALID = msg("must be a list of options", "必须是选项列表")


class MultiSelectField(SelectField):
    name = "multi_select"
    label = Label(zh="多选", en="Multi select")
    widget = "multi_select"
    sortable = False
    filter_ops = ("contains", "isnull")

    cells_repeat = False      # its value is a list, which a remembered cell would share

    def parse(self, field, raw):
        if isinstance(raw, str):
            text = raw.strip()
            items = load_json(text, _INVALID, list) if text.startswith("[") else _SEPARATORS.split(text)
        elif isinstance(raw, (list, tuple)):
            items = raw
        else:
            items = [raw]
        keys: list[str] = []
        for item in items:
            if is_blank(item):
                continue
            if isinstance(item, (dict, list, tuple)):
                raise FieldError(_INVALID)
            key = self.option_key(field, str(item).strip())
            if key not in keys:
                keys.append(key)
        # option order, so equal selections are equal values (and equal JSON in the column)
        order = {o.key: i for i, o in enumerate(field.options)}
        keys.sort(key=lambda k: order.get(k, len(order)))
        return keys or None     # nothing chosen is "empty", so `required` catches it

    def validate(self, field, value):
        if value is None:
            return
        for key in value:
            super().validate(field, key)
        if field.min is not None and len(value) < int(field.min):
            raise FieldError(msg(f"choose at least {field.min}", f"至少选择 {field.min} 项"))
        if field.max is not None and len(value) > int(field.max):
            raise FieldError(msg(f"choose at most {field.max}", f"最多选择 {field.max} 项"))

    def to_db(self, field, value):
        return None if value is None else json.dumps(list(value), ensure_ascii=False)

    def from_db(self, field, value):
        return json.loads(value) if isinstance(value, str) else value

    def display(self, field, value, lang="zh"):
        if not value:
            return ""
        return ("、" if lang != "en" else ", ").join(super(MultiSelectField, self).display(field, k, lang)
                                                    for k in value)

    def filter_value(self, field, op, raw):
        return SelectField.parse(self, field, raw)     # one key: "has this option"

    def sql_condition(self, field, column, op, value):
        if op != "contains":
            return None
        # the key as it appears in the stored JSON, quotes included: "a" never matches "ab"
        needle = json.dumps(value, ensure_ascii=False)
        return column.like("%" + _escape_like(needle) + "%", escape="\\")

    def json_schema(self, field):
        return {"type": "array", "items": super().json_schema(field), "uniqueItems": True}


FIELD_TYPE = MultiSelectField
