"""`when: {action: check_in, table: members, label: 签到, roles: [member]}`: a button on the table's
detail page and POST /api/<app>/<table>/<id>/actions/<name>. Whoever may read the record and holds
one of `roles` (every role when left out) may press it; the rule's actions then write as the system."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.rules.triggers._roles import ROLES, allows, compile_roles

NAME = "action"
PROPERTIES = {"action": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}, "table": {"type": "string"},  # table: also daily's
              "label": {"$ref": "#/$defs/label"}, **ROLES}
REQUIRED = ("table",)
record_scope = True


@dataclass(frozen=True)
class ButtonTrigger:
    kind = "action"
    name: str
    table: str
    label: Label
    roles: tuple[str, ...] = ()

    def allows(self, roles, unrestricted: bool) -> bool:
        return allows(self.roles, roles, unrestricted)


def compile(spec, ctx):
    table = spec.get("table")
    if not ctx.known_table(table, ("when", "table")):
        return None
    return ButtonTrigger(name=spec["action"], table=table,
                         label=Label.of(spec.get("label"), spec["action"]), roles=compile_roles(spec, ctx))
