"""`end: {set: {status: approved}, do: [reverse: {...}]}`: the flow is over. `set` writes the record
(through the record service, source "flow"), `do` runs the rules' actions (post, reverse, notify...)
with the record and the flow's variables."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions import ACTIONS
from engines.rules.model import Step

NAME = "end"
HUMAN = False
OUTCOMES = ()
REQUIRED = ()
SCHEMA = {"type": ["object", "null"], "additionalProperties": False,
          "properties": {"set": ACTIONS["set"].SCHEMA,
                         "do": {"type": "array", "maxItems": 50, "items": {"$ref": "#/$defs/rule_step"}}}}


@dataclass(frozen=True)
class End:
    steps: tuple = ()          # rules' compiled Steps: `set` first, then `do`


def compile(value, ctx, path):
    value = value or {}
    steps = ()
    if value.get("set"):
        action = ACTIONS["set"].compile(value["set"], ctx, path + ("set",))
        steps = (Step(kind="set", action=action, path=path + ("set",)),) if action else ()
    return End(steps + ctx.steps(value.get("do") or [], path + ("do",)))
