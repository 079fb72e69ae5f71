"""Many-to-many links: a sorted list of distinct record ids of another table, kept in a join table."""
from __future__ import annotations

import re

from engines.common.labels import Label, msg
from engines.form.fields._parsing import load_json
from engines.form.fields.base import is_blank
from engines.form.fields.link import LinkField

_INVALID = msg("must be a list of record ids", "必须是记录编号列表")


class MultiLinkField(LinkField):
    name = "multi_link"
    label = Label(zh="多条关联", en="Multi link")
    widget = "multi_link"
    join_table = True
    stored = True
    sortable = False
    # no column to compare: filtering needs a join the generic SQL layer does not build
    filter_ops = ()

    def column_type(self, field):
        return None

    def parse(self, field, raw):
        if isinstance(raw, str):
            text = raw.strip()
            items = load_json(text, _INVALID, list) if text.startswith("[") else re.split(r"[,，\s]+", text)
        elif isinstance(raw, (list, tuple)):
            items = raw
        else:
            items = [raw]
        ids = {super(MultiLinkField, self).parse(field, item) for item in items if not is_blank(item)}
        return sorted(ids) or None      # none linked is "empty", so `required` catches it

    def validate(self, field, value):
        return None

    def to_json(self, field, value):
        return None if value is None else [super(MultiLinkField, self).to_json(field, v) for v in value]

    def display(self, field, value, lang="zh"):
        if not value:
            return ""
        return ("、" if lang != "en" else ", ").join(
            super(MultiLinkField, self).display(field, v, lang) for v in value)

    def sql_condition(self, field, column, op, value):
        return None

    def json_schema(self, field):
        return {"type": "array", "uniqueItems": True,
                "items": {"type": "integer", "minimum": 1},
                "description": f"ids of records in '{field.table}'"}


FIELD_TYPE = MultiLinkField
