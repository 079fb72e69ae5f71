"""The app's `registration:` key: people sign themselves up (M4: a member opens a card online).

    registration:
      table: members                 # a record is created for the new user; its `owner:` field holds them
      role: member                   # the role they get in this app
      fields: [name, phone, birthday]
      values: {channel: online}      # set on the record, not asked
      label: {zh: 在线开卡, en: Open a card online}

The page is /<app>/register; the user, their role and their record are created in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from engines.common.labels import Label
from engines.common.problems import did_you_mean

SCHEMA = {
    "type": "object", "required": ["table", "role"], "additionalProperties": False,
    "properties": {
        "table": {"type": "string"},
        "role": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
        "values": {"type": "object", "maxProperties": 50},
        "label": {"$ref": "#/$defs/label"},
    },
}


@dataclass(frozen=True)
class Registration:
    table: str
    role: str
    owner: str                        # the table's user field that receives the new user
    fields: tuple[str, ...]
    values: Mapping[str, Any]
    label: Label


def compile_registration(spec, tables, roles, report) -> Registration | None:
    if not isinstance(spec, dict) or not isinstance(spec.get("table"), str) or not isinstance(spec.get("role"), str):
        return None                   # reported by the schema check
    at = ("registration",)
    table, role = spec["table"], spec["role"]
    ok = True
    if role not in roles:
        report(at + ("role",), f"unknown role '{role}'{did_you_mean(role, roles)}")
        ok = False
    if table not in tables:
        report(at + ("table",), f"unknown table '{table}'{did_you_mean(table, tables)}")
        return None
    t = tables[table]
    if len(t.owner) != 1:
        report(at + ("table",), f"table '{table}' needs `owner:` set to one of its own `user` fields, "
                                "which will hold the new user")
        ok = False
    fields = [f for f in spec.get("fields") or [] if isinstance(f, str)]
    for i, name in enumerate(fields):
        if name not in t.fields:
            report(at + ("fields", i), f"unknown field '{name}'{did_you_mean(name, t.fields)}")
            ok = False
        elif t.owner and name == t.owner[0]:
            report(at + ("fields", i), f"'{name}' is filled with the new user; leave it out")
            ok = False
    values = spec.get("values") or {}
    for name in values:
        if name not in t.fields:
            report(at + ("values", name), f"unknown field '{name}'{did_you_mean(name, t.fields)}", True)
            ok = False
    if not ok:
        return None
    return Registration(table=table, role=role, owner=t.owner[0], fields=tuple(fields),
                        values=MappingProxyType(dict(values)),
                        label=Label.of(spec["label"]) if "label" in spec else Label(zh="注册", en="Sign up"))
