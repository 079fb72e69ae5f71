"""An aggregate over the records of another table that link to this one (not stored).

E.g. on `customers`: table orders, function sum, field amount -> the total of the customer's orders.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from engines.common.labels import Label
from engines.common.locales import format_number
from engines.common.problems import did_you_mean
from engines.form.fields._parsing import Computed, json_safe
from engines.form.fields.base import FieldType

FUNCTIONS = ("count", "sum", "avg", "min", "max")
NUMERIC_TYPES = ("integer", "decimal", "money", "percent", "rating")


class RollupField(Computed, FieldType):
    name = "rollup"
    label = Label(zh="汇总", en="Rollup")
    widget = "readonly"
    stored = False
    sortable = False
    filter_ops = ()
    settings_schema = {
        "table": {"type": "string", "description": "the table whose records link to this one"},
        "link": {"type": "string", "description": "the link field in that table pointing here "
                                                  "(needed only when it has several)"},
        "function": {"enum": list(FUNCTIONS), "default": "count"},
        "field": {"type": "string", "description": "the number field to aggregate (not for count)"},
    }
    required_settings = ("table",)

    def source(self, field) -> str | None:
        return field.table or field.settings.get("table")

    def prepare(self, field, ctx):
        here, name = getattr(ctx, "table", None), self.source(field)
        source = ctx.tables.get(name)
        if source is None:
            ctx.problem(("table",), f"unknown table '{name}'{did_you_mean(name, ctx.tables)}")
            return field
        fields = source.get("fields") or {}
        function = field.settings.get("function") or "count"
        if function not in FUNCTIONS:
            ctx.problem(("function",), f"unknown function '{function}': use one of {', '.join(FUNCTIONS)}")
        elif function != "count":
            self._check_field(field, ctx, name, fields, function)
        link = self._find_link(field, ctx, name, fields, here)
        return dataclasses.replace(field, compiled=link) if link else field

    def _find_link(self, field, ctx, name, fields, here) -> str | None:
        links = [n for n, spec in fields.items()
                 if spec.get("type") == "link" and spec.get("table") == here]
        link = field.settings.get("link")
        if link is not None:
            if link in links:
                return link
            ctx.problem(("link",), f"'{link}' is not a link field of table '{name}' pointing to "
                                   f"'{here}'{did_you_mean(link, links)}")
        elif len(links) == 1:
            return links[0]
        elif not links:
            ctx.problem(("table",), f"no link field of table '{name}' points to '{here}'")
        else:
            ctx.problem(("table",), f"several link fields of table '{name}' point to '{here}' "
                                    f"({', '.join(links)}): name one with `link`")
        return None

    def _check_field(self, field, ctx, name, fields, function) -> None:
        wanted = field.settings.get("field")
        if wanted is None:
            ctx.problem(("function",), f"'{function}' needs `field`: the number field to aggregate")
        elif wanted not in fields:
            ctx.problem(("field",), f"unknown field '{wanted}' in table '{name}'{did_you_mean(wanted, fields)}")
        elif fields[wanted].get("type") not in NUMERIC_TYPES:
            ctx.problem(("field",), f"'{wanted}' is a {fields[wanted].get('type')} field; "
                                    f"{function} needs one of {', '.join(NUMERIC_TYPES)}")

    def column_type(self, field):
        return None

    def to_json(self, field, value):
        return json_safe(value)

    def display(self, field, value, lang="zh"):
        if isinstance(value, Decimal):
            return f"{value:,}"
        return "" if value is None else str(value)

    def display_local(self, field, value, lang="zh"):
        if isinstance(value, Decimal):      # keep the places the sum has (a money total stays 1,234.50)
            return format_number(value, lang, max(-value.as_tuple().exponent, 0))
        if isinstance(value, int) and not isinstance(value, bool):
            return format_number(value, lang)
        return self.display(field, value, lang)

    def json_schema(self, field):
        function = field.settings.get("function") or "count"
        if function == "count":
            return {"type": "integer", "readOnly": True}
        return {"type": ["string", "integer", "null"], "readOnly": True,
                "description": f"{function} of '{field.settings.get('field')}' (decimals as strings)"}


FIELD_TYPE = RollupField
