"""`when: {event: pos_sale, roles: [pos]}`: POST /api/<app>/events/<name> with a JSON object (the
expressions' `event`) and an `Idempotency-Key` header: the same key twice has the effect once."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.triggers._roles import ROLES, allows, compile_roles

NAME = "event"
PROPERTIES = {"event": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}, **ROLES}
REQUIRED = ()
record_scope = False


@dataclass(frozen=True)
class EventTrigger:
    kind = "event"
    name: str
    roles: tuple[str, ...] = ()
    table = None

    def allows(self, roles, unrestricted: bool) -> bool:
        return allows(self.roles, roles, unrestricted)


def compile(spec, ctx):
    return EventTrigger(name=spec["event"], roles=compile_roles(spec, ctx))
