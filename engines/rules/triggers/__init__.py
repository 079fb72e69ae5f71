"""Triggers: one module each, found here. A module has NAME (the key under `when:` that selects it),
PROPERTIES (its JSON Schema properties) and compile(spec, ctx) -> a trigger object with `.table`
(the table whose records the rule sees, or None) and `.kind`."""
from __future__ import annotations

from types import MappingProxyType

from engines.rules.triggers import button, daily, event, record, schedule

TRIGGERS = MappingProxyType({m.NAME: m for m in (record.CREATED, record.UPDATED, record.DELETED, button, event, schedule, daily)})


def trigger_for(spec: dict):
    """The trigger module whose key `spec` has, or None."""
    found = [TRIGGERS[k] for k in spec if k in TRIGGERS]
    return found[0] if len(found) == 1 else None
