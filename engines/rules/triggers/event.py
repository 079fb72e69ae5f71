"""`when: {event: pos_sale, roles: [pos]}`: POST /api/<app>/events/<name> with a JSON object (the
expressions' `event`) and an `Idempotency-Key` header: the same key twice has the effect once."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.problems import did_you_mean

NAME = "event"
PROPERTIES = {"event": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"},
              "roles": {"type": "array", "items": {"type": "string"}}}
REQUIRED = ()
record_scope = False


@dataclass(frozen=True)
class EventTrigger:
    kind = "event"
    name: str
    roles: tuple[str, ...] = ()
    table = None

    def allows(self, roles, unrestricted: bool) -> bool:
        return unrestricted or not self.roles or bool(set(self.roles) & set(roles))


def compile(spec, ctx):
    roles = tuple(spec.get("roles") or ())
    for i, role in enumerate(roles):
        if role not in ctx.roles:
            ctx.report(("when", "roles", i), f"unknown role '{role}'{did_you_mean(role, ctx.roles)}")
    return EventTrigger(name=spec["event"], roles=roles)
