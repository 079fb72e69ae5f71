"""Actions: one module each, found here. A module has NAME (its key in a `do:` step), SCHEMA (the
JSON Schema of the key's value) and compile(value, ctx, path) -> an object with run(rc) whose result
later steps can use (`as:`). `rc` is the run context (engines/rules/running.py)."""
from __future__ import annotations

from types import MappingProxyType

from engines.rules.actions import (create, fail, find_or_create, for_each, increment, notify, post, reverse,
                                   set_fields, start_flow, update, webhook)

ACTIONS = MappingProxyType({m.NAME: m for m in (set_fields, increment, create, update, find_or_create, post, reverse,
                                                    notify, webhook, fail, for_each, start_flow)})
