"""The `owner:` and `permissions:` keys of a table and the app's `user_profile:`: their schema and
their compile step into frozen Grants.

    user_profile: staff              # `user.<field>` in filters reads the signed-in user's staff record
    tables:
      orders:
        owner: member                # a path of links ending at a `user` field (or at an owned table)
        permissions:
          admin: all
          store_staff: [read, create]
          store_manager: {read: "record.store == user.store", update: "record.store == user.store"}
          member: {read: own, hidden: [cost], readonly: [status]}

A table without `permissions:` is open to every role of the app; with it, an unlisted role gets
nothing. Each action is true (every row), `own` or a filter expression.
"""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from engines.common.problems import did_you_mean
from engines.expr import ExpressionError
from engines.form.model import ACTIONS, ALL_ROWS, FULL_GRANT, Grant, RowRule
from engines.form.row_filter import RowFilter

ROW_RULE = {"x-expected": "true, false, own, or a filter expression such as \"record.store == user.store\"",
            "anyOf": [{"type": "boolean"}, {"type": "string", "minLength": 1, "maxLength": 2000}]}
FIELD_LIST = {"type": "array", "items": {"type": "string"}, "maxItems": 500}
GRANT = {
    "x-expected": "all, a list of actions (read, create, update, delete) or a mapping {read: ..., hidden: [...]}",
    "anyOf": [
        {"const": "all"},
        {"type": "array", "items": {"enum": list(ACTIONS)}, "uniqueItems": True},
        {"type": "object", "additionalProperties": False,
         "properties": {**{a: ROW_RULE for a in ACTIONS}, "hidden": FIELD_LIST, "readonly": FIELD_LIST}},
    ],
}
MAX_OWNER_HOPS = 6


def table_properties() -> dict:
    return {
        "owner": {"type": "string", "maxLength": 300,
                  "description": "whose record this is: a `user` field, or links leading to one (member.account)"},
        "permissions": {"type": "object", "maxProperties": 100, "additionalProperties": {"$ref": "#/$defs/grant"},
                        "description": "per role: all | [read, create, update, delete] | {read: true|own|expression, ...}"},
    }


def app_properties() -> dict:
    return {"user_profile": {"type": "string",
                             "description": "a table with `owner:` set to a user field; its fields are `user.<field>` in filters"}}


def compile_permissions(raw_tables, tables: dict, roles, profile, report, invalid=frozenset()) -> dict:
    """Tables with their owner paths and grants; problems reported at their path."""
    if not isinstance(raw_tables, dict):
        return tables
    owners = {name: _owner(name, raw_tables, tables, report) for name in tables}
    if profile is not None and isinstance(profile, str):
        if profile not in tables:
            report(("user_profile",), f"unknown table '{profile}'{did_you_mean(profile, tables)}")
            profile = None
        elif len(owners.get(profile) or ()) != 1:
            report(("user_profile",), f"the profile table '{profile}' needs `owner:` set to one of its own `user` fields")
            profile = None
    out = {}
    for name, t in tables.items():
        spec = raw_tables.get(name) if isinstance(raw_tables.get(name), dict) else {}
        owner = owners[name] or ()
        grants = spec.get("permissions")
        path = ("tables", name, "permissions")
        if isinstance(grants, dict) and path not in invalid:
            owner_ok = owner or _raw_owner(raw_tables, name)     # a broken owner is reported once, above
            grants = MappingProxyType({role: _grant(g, t, tables, owner_ok, profile, path + (role,), report)
                                       for role, g in grants.items() if _known_role(role, roles, path, report)})
        else:
            grants = None
        out[name] = replace(t, owner=owner, permissions=grants)
    return out


def _known_role(role, roles, path, report) -> bool:
    if role not in roles:
        hint = did_you_mean(role, roles) or (f"; the app's roles are: {', '.join(roles)}" if roles
                                             else "; declare it under `roles:`")
        report(path + (role,), f"unknown role '{role}'{hint}", True)
        return False
    return True


def _raw_owner(raw_tables, tname):
    spec = raw_tables.get(tname)
    return spec["owner"] if isinstance(spec, dict) and isinstance(spec.get("owner"), str) else None


def _owner(tname, raw_tables, tables, report):
    """The full path of link fields ending at a user field, following owned link targets."""
    text = _raw_owner(raw_tables, tname)
    if text is None:
        return None
    path, hops = [], 0
    cur, parts = tname, text.split(".")
    at = ("tables", tname, "owner")
    while parts:
        name = parts.pop(0)
        fields = tables[cur].fields
        if name not in fields:
            report(at, f"'{text}': table '{cur}' has no field '{name}'{did_you_mean(name, fields)}")
            return None
        f = fields[name]
        path.append(name)
        if f.type == "user" and not parts:
            return tuple(path)
        if f.type != "link" or f.table not in tables:
            report(at, f"'{text}': '{name}' is a {f.type} field; an owner path goes through links to a `user` field")
            return None
        if not parts:           # ends at a link: follow the target's own owner
            target = tables[f.table]
            target_spec = None if hops >= MAX_OWNER_HOPS else _raw_owner(raw_tables, f.table)
            if not target_spec:
                report(at, f"'{text}' ends at a link to '{target.name}', which has no `owner:`; "
                           f"continue the path to a `user` field (e.g. {name}.<user field>)")
                return None
            parts = target_spec.split(".")
            hops += 1
        cur = f.table
    return None


def _grant(spec, t, tables, owner, profile, path, report) -> Grant:
    if spec == "all":
        return FULL_GRANT
    if isinstance(spec, list):
        return Grant(**{a: ALL_ROWS for a in spec if a in ACTIONS})
    if not isinstance(spec, dict):
        return Grant()
    rules = {}
    for action in ACTIONS:
        value = spec.get(action, False)
        if value is True:
            rules[action] = ALL_ROWS
        elif value == "own":
            if not owner:
                report(path + (action,), f"'own' needs `owner:` on table '{t.name}' (the field that says whose record it is)")
            rules[action] = RowRule("own")
        elif isinstance(value, str):
            try:
                rules[action] = RowRule("filter", RowFilter.compile(value, tables, t.name, profile))
            except ExpressionError as exc:
                report(path + (action,), str(exc))
    lists = {}
    for key in ("hidden", "readonly"):
        names = spec.get(key) or []
        for i, n in enumerate(names):
            if n not in t.fields:
                report(path + (key, i), f"unknown field '{n}'{did_you_mean(n, t.fields)}")
        lists[key] = frozenset(n for n in names if n in t.fields)
    return Grant(**rules, **lists)
