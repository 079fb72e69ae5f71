"""JSON Schema pieces the components' options share (the components import them, never each other)."""
from __future__ import annotations

NAMES = {"type": "array", "items": {"type": "string"}, "maxItems": 40}
LABEL = {"$ref": "#/$defs/label"}


def listing(limit: int) -> dict:
    """The options of a component that lists records of a table: which, what of them, how many, in
    which order, under which heading."""
    return {"table": {"type": "string"}, "fields": {**NAMES, "maxItems": 12},
            "limit": {"type": "integer", "minimum": 1, "maximum": limit},
            "sort": {"type": "string", "pattern": r"^-?[a-z][a-z0-9_]*$",
                     "description": "a field, '-' first for the largest or newest first"},
            "label": LABEL}


def record_fields(most: int) -> dict:
    """The options of a component that shows fields of the page's record."""
    return {"type": "object", "additionalProperties": False, "required": ["fields"],
            "properties": {"fields": {**NAMES, "minItems": 1, "maxItems": most}, "label": LABEL}}
