"""The rules engine's part of the definition schema: `rules`, built from the trigger and action registries."""
from __future__ import annotations

from engines.rules.actions import ACTIONS
from engines.rules.triggers import TRIGGERS

NAME = r"^[a-z][a-z0-9_]{0,62}$"


def schema_part() -> tuple[dict, dict]:
    when = {"type": "object", "additionalProperties": False, "minProperties": 1,
            "x-expected": f"a trigger: one of {', '.join(sorted(TRIGGERS))}",
            "properties": {k: v for m in TRIGGERS.values() for k, v in m.PROPERTIES.items()}}
    step = {"type": "object", "additionalProperties": False, "minProperties": 1,
            "x-expected": f"an action: one of {', '.join(sorted(ACTIONS))}",
            "properties": {**{name: m.SCHEMA for name, m in ACTIONS.items()},
                           "as": {"type": "string", "pattern": NAME,
                                  "description": "a name for the action's result, for later steps"},
                           "if": {"type": "string", "maxLength": 2000,
                                  "description": "the step runs only when this condition holds"}}}
    # steps inside a step (for_each's `do:`) may not nest again: the schema stays free of cycles,
    # which the builder's validator relies on (it inlines every $ref)
    nested = {**step, "x-expected": "an action (no nested for_each)",
              "properties": {k: v for k, v in step["properties"].items() if not getattr(ACTIONS.get(k), "NESTS", False)}}
    rule = {"type": "object", "required": ["when", "do"], "additionalProperties": False,
            "properties": {"label": {"$ref": "#/$defs/label"},
                           "description": {"$ref": "#/$defs/label"},
                           "when": {"$ref": "#/$defs/rule_trigger"},
                           "if": {"type": "string", "maxLength": 2000, "description": "a condition expression"},
                           "do": {"type": "array", "minItems": 1, "maxItems": 50,
                                  "items": {"$ref": "#/$defs/rule_step"}},
                           "priority": {"type": "integer", "description": "higher runs first (default 0)"},
                           "enabled": {"type": "boolean"}}}
    props = {"rules": {"type": "object", "maxProperties": 500, "propertyNames": {"pattern": NAME},
                       "additionalProperties": {"$ref": "#/$defs/rule"}}}
    return props, {"rule": rule, "rule_trigger": when, "rule_step": step, "rule_nested_step": nested}
