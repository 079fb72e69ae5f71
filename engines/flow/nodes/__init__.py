"""Node kinds: one module each, found here. A module has NAME (the node's kind key), SCHEMA (the
JSON Schema of the key's value), OUTCOMES (the edges it may have; None: any name, as a condition's
branches), HUMAN (a person decides it) and compile(value, ctx, path) -> its spec. (What happens when a
token reaches a node belongs to the flow runtime, not built yet: docs/flows.md.)"""
from __future__ import annotations

from types import MappingProxyType

from engines.flow.nodes import approval, condition, end, join, notify, parallel, task

NODES = MappingProxyType({m.NAME: m for m in (approval, task, condition, parallel, join, notify, end)})
