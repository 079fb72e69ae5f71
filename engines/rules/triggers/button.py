"""`when: {action: check_in, table: members, label: 签到, roles: [member]}`: a button on the table's
detail page and POST /api/<app>/<table>/<id>/actions/<name>. Whoever may read the record and holds
one of `roles` (every role when left out) may press it; the rule's actions then write as the system."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.common.problems import did_you_mean

NAME = "action"
PROPERTIES = {"action": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}, "table": {"type": "string"},  # table: also daily's
              "label": {"$ref": "#/$defs/label"},
              "roles": {"type": "array", "items": {"type": "string"}}}
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
        return unrestricted or not self.roles or bool(set(self.roles) & set(roles))


def compile(spec, ctx):
    table = spec.get("table")
    if table not in ctx.tables:
        ctx.report(("when", "table"), f"unknown table '{table}'{did_you_mean(str(table), ctx.tables)}")
        return None
    roles = tuple(spec.get("roles") or ())
    for i, role in enumerate(roles):
        if role not in ctx.roles:
            ctx.report(("when", "roles", i), f"unknown role '{role}'{did_you_mean(role, ctx.roles)}")
    return ButtonTrigger(name=spec["action"], table=table,
                         label=Label.of(spec.get("label"), spec["action"]), roles=roles)
