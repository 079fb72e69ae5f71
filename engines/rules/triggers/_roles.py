"""Who may start a rule from outside a record write (a button, an external event): its `roles`."""
from __future__ import annotations

ROLES = {"roles": {"type": "array", "items": {"type": "string"}}}


def compile_roles(spec, ctx) -> tuple[str, ...]:
    roles = tuple(spec.get("roles") or ())
    for i, role in enumerate(roles):
        ctx.known_role(role, ("when", "roles", i))
    return roles


def allows(required, roles, unrestricted: bool) -> bool:
    """Any role of `required` (every role of the app when it is empty); administrators always."""
    return unrestricted or not required or bool(set(required) & set(roles))
