"""Many-to-one link to a record of another table, shown by the target's title field."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.common.problems import did_you_mean
from engines.form.fields.base import FieldError, FieldType


@dataclass(frozen=True)
class LinkValue:
    """A link as pages show it: the target id and its title (loaded in one query per page)."""
    id: int
    title: str

    def __str__(self):
        return self.title


class LinkField(FieldType):
    name = "link"
    label = Label(zh="关联记录", en="Link")
    widget = "link"
    filter_ops = ("eq", "ne", "in", "isnull")
    settings_schema = {"table": {"type": "string", "description": "the table this field links to"}}
    required_settings = ("table",)

    def prepare(self, field, ctx):
        if field.table not in ctx.tables:
            ctx.problem(("table",), f"unknown table '{field.table}'{did_you_mean(field.table, ctx.tables)}")
        return field

    def column_type(self, field):
        return sa.BigInteger()

    def parse(self, field, raw):
        if isinstance(raw, LinkValue):
            return raw.id
        if isinstance(raw, dict) and "id" in raw:
            raw = raw["id"]
        if isinstance(raw, bool):
            raise FieldError(msg("must be a record id", "必须是记录编号"))
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise FieldError(msg("must be a record id", "必须是记录编号")) from None
        if value <= 0:
            raise FieldError(msg("must be a record id", "必须是记录编号"))
        return value

    def to_json(self, field, value):
        return value.id if isinstance(value, LinkValue) else value

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        return value.title if isinstance(value, LinkValue) else f"#{value}"

    def json_schema(self, field):
        return {"type": "integer", "description": f"id of a record in '{field.table}'"}


FIELD_TYPE = LinkField
