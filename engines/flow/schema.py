"""The flow engine's part of the definition schema: `flows`, built from the node registry."""
from __future__ import annotations

from engines.flow.assignees import PROPERTIES as ASSIGNEES
from engines.flow.nodes import NODES

NAME = r"^[a-z][a-z0-9_]{0,62}$"
DURATION = r"^[0-9]+\s*(m|min|h|d|w)$"


def schema_part() -> tuple[dict, dict]:
    node = {"type": "object", "additionalProperties": False, "minProperties": 1,
            "x-expected": f"a node: one of {', '.join(NODES)}",
            "properties": {**{name: m.SCHEMA for name, m in NODES.items()},
                           "label": {"$ref": "#/$defs/label"},
                           "on": {"type": "object", "propertyNames": {"pattern": NAME},
                                  "additionalProperties": {"type": "string"},
                                  "description": "the next node per outcome (approve, reject, complete, timeout)"},
                           "next": {"type": "string", "description": "the next node (`on: {next: ...}`)"},
                           "timeout": {"type": "object", "required": ["after"], "additionalProperties": False,
                                       "properties": {
                                           "after": {"type": "string", "pattern": DURATION,
                                                     "x-expected": "a duration such as 30m, 4h, 2d or 1w"},
                                           "reassign": {"type": "object", "additionalProperties": False,
                                                        "properties": ASSIGNEES},
                                           "decide": {"type": "string"}}}}}
    flow = {"type": "object", "required": ["table", "nodes"], "additionalProperties": False,
            "properties": {"label": {"$ref": "#/$defs/label"},
                           "description": {"$ref": "#/$defs/label"},
                           "table": {"type": "string"},
                           "start": {"type": "object", "additionalProperties": False, "properties": {
                               "on": {"type": "array", "items": {"enum": ["create", "update"]}, "uniqueItems": True},
                               "if": {"type": "string", "maxLength": 2000},
                               "button": {"$ref": "#/$defs/label"},
                               "roles": {"type": "array", "items": {"type": "string"}}}},
                           "lock": {"type": "boolean",
                                    "description": "while it runs the record changes only through the flow (default true)"},
                           "notify_channel": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,30}$"},
                           "nodes": {"type": "object", "minProperties": 1, "maxProperties": 200,
                                     "propertyNames": {"pattern": NAME},
                                     "additionalProperties": {"$ref": "#/$defs/flow_node"}}}}
    props = {"flows": {"type": "object", "maxProperties": 200, "propertyNames": {"pattern": NAME},
                       "additionalProperties": {"$ref": "#/$defs/flow"}}}
    return props, {"flow": flow, "flow_node": node}
