"""A field of the record a link points to, read through the link (not stored)."""
from __future__ import annotations

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.form.fields._parsing import Computed, json_safe, own_fields
from engines.form.fields.base import FieldType
from engines.form.model import SYSTEM_COLUMNS


class LookupField(Computed, FieldType):
    name = "lookup"
    label = Label(zh="引用", en="Lookup")
    widget = "readonly"
    stored = False
    sortable = False
    filter_ops = ()
    settings_schema = {
        "link": {"type": "string", "description": "a link field of this table"},
        "field": {"type": "string", "description": "the field to show from the linked record"},
    }
    required_settings = ("link", "field")

    def prepare(self, field, ctx):
        fields = own_fields(ctx)
        link = field.settings.get("link")
        spec = fields.get(link)
        if spec is None:
            ctx.problem(("link",), f"unknown field '{link}'{did_you_mean(link, fields)}")
            return field
        if spec.get("type") != "link":
            ctx.problem(("link",), f"'{link}' is a {spec.get('type')} field, not a link")
            return field
        target = ctx.tables.get(spec.get("table"))
        if target is None:
            return field        # the link field itself reports its unknown table
        names = [*(target.get("fields") or {}), *SYSTEM_COLUMNS]
        wanted = field.settings.get("field")
        if wanted not in names:
            ctx.problem(("field",), f"unknown field '{wanted}' in table '{spec['table']}'"
                                    f"{did_you_mean(wanted, names)}")
        return field

    def column_type(self, field):
        return None

    # the value's type is the linked field's; the runtime may display it with that field's type
    def to_json(self, field, value):
        return json_safe(value)

    def display(self, field, value, lang="zh"):
        value = json_safe(value)
        return "" if value is None else str(value)

    def json_schema(self, field):
        return {"readOnly": True, "description": f"'{field.settings.get('field')}' of the record "
                                                 f"linked by '{field.settings.get('link')}'"}


FIELD_TYPE = LookupField
