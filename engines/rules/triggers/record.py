"""Record triggers: `when: {created: orders}`, `{updated: orders, changed: status, to: completed}`,
`{deleted: orders}`. `changed` (one field or a list) narrows to writes that changed it; `from`/`to`
compare the old and new value of that one field."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from engines.common.problems import did_you_mean

VALUE = {"x-expected": "a value", "type": ["string", "number", "boolean", "null"]}


@dataclass(frozen=True)
class RecordTrigger:
    kind: str                       # created | updated | deleted
    table: str
    changed: tuple[str, ...] = ()
    from_value: Any = None
    to_value: Any = None
    has_from: bool = False
    has_to: bool = False

    def matches(self, event) -> bool:
        if event.kind != self.kind or event.table != self.table:
            return False
        if self.changed and not (set(self.changed) & event.changed):
            return False
        field = self.changed[0] if self.changed else None
        if self.has_from and (event.old or {}).get(field) != self.from_value:
            return False
        if self.has_to and (event.new or {}).get(field) != self.to_value:
            return False
        return True


def _module(kind: str, extra: dict) -> SimpleNamespace:
    def compile(spec, ctx):
        table = spec[kind]
        if not ctx.known_table(table, ("when", kind)):
            return None
        changed = spec.get("changed") or ()
        changed = (changed,) if isinstance(changed, str) else tuple(changed)
        for i, name in enumerate(changed):
            if name not in ctx.tables[table].fields:
                ctx.report(("when", "changed") + ((i,) if len(changed) > 1 else ()),
                           f"unknown field '{name}'{did_you_mean(name, ctx.tables[table].fields)}")
        if ("from" in spec or "to" in spec) and len(changed) != 1:
            ctx.report(("when",), "`from:` and `to:` need `changed:` naming exactly one field")
        return RecordTrigger(kind=kind, table=table, changed=changed, from_value=spec.get("from"),
                             to_value=spec.get("to"), has_from="from" in spec, has_to="to" in spec)

    return SimpleNamespace(NAME=kind, PROPERTIES={kind: {"type": "string"}, **extra}, REQUIRED=(),
                           compile=compile, record_scope=True)


CHANGES = {"changed": {"x-expected": "a field name or a list of them",
                       "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
           "from": VALUE, "to": VALUE}
CREATED = _module("created", {})
UPDATED = _module("updated", CHANGES)
DELETED = _module("deleted", {})
