"""Who decides a human node (approval, task): compiled from `role`/`roles`, `user`/`users`, `field`
(a path from the record such as `store.manager`, giving a user) and `expression` (user ids), with
`mode: any | all`. (Resolving them to people belongs to the flow runtime, not built yet.)"""
from __future__ import annotations

from engines.flow.model import Assignees

NAME = r"^[a-z][a-z0-9_]{0,62}$"
PROPERTIES = {
    "role": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "user": {"type": "string"}, "users": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "field": {"type": "string", "description": "a path from the record to a user, e.g. store.manager"},
    "expression": {"type": "string", "description": "an expression giving a user id or a list of them"},
    "mode": {"enum": ["any", "all"], "description": "any: one decision settles it; all: every one approves"},
}
KEYS = ("role", "roles", "user", "users", "field", "expression")


def compile_assignees(value, ctx, path) -> Assignees | None:
    if not any(k in value for k in KEYS):
        ctx.report(path, "say who decides it: role, roles, user, users, field or expression")
        return None
    roles = ([value["role"]] if "role" in value else []) + list(value.get("roles") or ())
    for i, role in enumerate(roles):
        where = path + (("role",) if "role" in value and i == 0 else ("roles", i - ("role" in value)))
        ctx.known_role(role, where)
    expressions = []
    if "field" in value:
        expressions.append(ctx.expression("record." + value["field"], path + ("field",)))
    if "expression" in value:
        expressions.append(ctx.expression(value["expression"], path + ("expression",)))
    users = ([value["user"]] if "user" in value else []) + list(value.get("users") or ())
    return Assignees(roles=tuple(roles), users=tuple(users), expressions=tuple(e for e in expressions if e),
                     mode=value.get("mode", "any"))

