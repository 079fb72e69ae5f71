"""The `pages:` section of the definition schema, composed from the components' own schemas."""
from __future__ import annotations

from engines.form.screens.components import COMPONENTS

NAME = r"^[a-z][a-z0-9_]{0,62}$"
TEXT = {"type": "string", "maxLength": 200}
NAMES = {"type": "array", "items": TEXT, "minItems": 1, "maxItems": 30, "uniqueItems": True}


def schema_part() -> tuple[dict, dict]:
    component = {
        "x-expected": f"a component: one of {', '.join(sorted(COMPONENTS))}, with its options",
        "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
        "properties": {key: {"$ref": f"#/$defs/page_{key}"} for key in COMPONENTS},
    }
    page = {"type": "object", "additionalProperties": False, "required": ["roles", "components"],
            "properties": {
                "label": {"$ref": "#/$defs/label"},
                "icon": TEXT,
                "roles": {**NAMES, "description": "who may open the page (administrators always may)"},
                "table": {**TEXT, "description": "the table of the page's record (with `for: me` or a search box)"},
                "for": {"enum": ["me"], "description": "me: the record of `table` that belongs to the signed-in user"},
                "components": {"type": "array", "minItems": 1, "maxItems": 30, "items": {"$ref": "#/$defs/page_component"}},
            }}
    defs = {f"page_{key}": module.SCHEMA for key, module in COMPONENTS.items()}
    props = {"pages": {"type": "object", "propertyNames": {"pattern": NAME}, "maxProperties": 100,
                       "additionalProperties": {"$ref": "#/$defs/page"}}}
    return props, {"page": page, "page_component": component, **defs}
