"""The form engine's part of the definition schema: `tables`, built from the field type registry."""
from __future__ import annotations

from engines.form import permissions, registration
from engines.form.ledger import definition as ledger_definition
from engines.form.fields import field_types

NAME = r"^[a-z][a-z0-9_]{0,62}$"

LABEL = {
    "x-expected": "a text or a mapping {zh: ..., en: ...}",
    "anyOf": [
        {"type": "string", "minLength": 1, "maxLength": 200},
        {"type": "object", "minProperties": 1, "additionalProperties": False,
         "properties": {"zh": {"type": "string", "maxLength": 200},
                        "en": {"type": "string", "maxLength": 200}}},
    ],
}

OPTION = {
    "x-expected": "an option key, or a mapping {key: ..., label: ...}",
    "anyOf": [
        {"type": "string", "minLength": 1, "maxLength": 100},
        {"type": "object", "required": ["key"], "additionalProperties": False,
         "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 100},
                        "label": {"$ref": "#/$defs/label"},
                        "color": {"type": "string"}}},
    ],
}

SCALAR = {"x-expected": "a number, a text, true or false",
          "type": ["string", "number", "boolean"]}


def common_field_properties() -> dict:
    return {
        "type": {"enum": sorted(field_types()), "description": "the field type"},
        "label": {"$ref": "#/$defs/label"},
        "help": {"$ref": "#/$defs/label"},
        "required": {"type": "boolean"},
        "unique": {"type": "boolean"},
        "readonly": {"type": "boolean"},
        "index": {"type": "boolean"},
        "default": {"x-expected": "a value", "type": ["string", "number", "boolean", "array", "object"]},
        "min": SCALAR,
        "max": SCALAR,
        "max_length": {"type": "integer", "minimum": 1, "maximum": 100000},
        "pattern": {"type": "string", "maxLength": 500},
        "options": {"type": "array", "items": {"$ref": "#/$defs/option"}, "maxItems": 1000},
        "demo": {"type": "array", "minItems": 1, "maxItems": 200, "items": SCALAR,
                 "description": "values the demo data (`tessera run --demo`) picks from for this field"},
        "renamed_from": {"type": "string", "pattern": NAME,
                         "description": "the field's previous name: an upgrade renames the column, keeping its data"},
    }


def field_type_schema(name: str) -> dict:
    """A closed schema for a field of one type: the common keys plus the type's own settings."""
    ftype = field_types()[name]
    props = {**common_field_properties(), **ftype.settings_schema, "type": {"const": name}}
    return {"type": "object", "required": ["type", *ftype.required_settings],
            "properties": props, "additionalProperties": False}


def field_schema() -> dict:
    """Dispatch on `type` to `field_<type>`; the builder validates each field against that def directly."""
    names = sorted(field_types())
    return {"type": "object", "required": ["type"],
            "properties": {"type": {"enum": names, "description": "the field type"}},
            "allOf": [{"if": {"properties": {"type": {"const": n}}, "required": ["type"]},
                       "then": {"$ref": f"#/$defs/field_{n}"}} for n in names]}


def table_schema() -> dict:
    return {
        "type": "object",
        "required": ["fields"],
        "additionalProperties": False,
        "properties": {
            "label": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/label"},
            "icon": {"type": "string", "maxLength": 50},
            "renamed_from": {"type": "string", "pattern": NAME,
                             "description": "the table's previous name: an upgrade renames it, keeping its records"},
            "title_field": {"type": "string"},
            "list_fields": {"type": "array", "items": {"type": "string"}},
            "demo_rows": {"type": "integer", "minimum": 0, "maximum": 1000000,
                          "description": "how many records `tessera run --demo` puts in this table when empty"},
            "fields": {"type": "object", "minProperties": 1, "maxProperties": 500,
                       "propertyNames": {"pattern": NAME},
                       "additionalProperties": {"$ref": "#/$defs/field"}},
            **permissions.table_properties(),
            **ledger_definition.table_properties(),
        },
    }


def schema_part() -> tuple[dict, dict]:
    """(top-level properties, $defs) that this engine contributes."""
    props = {"tables": {"type": "object", "maxProperties": 300, "propertyNames": {"pattern": NAME},
                        "additionalProperties": {"$ref": "#/$defs/table"}},
             **permissions.app_properties(), "registration": registration.SCHEMA}
    defs = {"label": LABEL, "option": OPTION, "field": field_schema(), "table": table_schema(),
            "grant": permissions.GRANT,
            **{f"field_{n}": field_type_schema(n) for n in field_types()}}
    return props, defs
