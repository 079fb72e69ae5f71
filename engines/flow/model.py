"""The compiled flows of an app: frozen specs, built once by the builder (or again from the JSON an
instance keeps of the definition it started with), read by the runtime."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engines.common.labels import Label


@dataclass(frozen=True)
class Assignees:
    """Who decides a human node: roles, users (by name), and expressions over the record (a field
    such as `record.store.manager` is one) giving user ids."""
    roles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    expressions: tuple = ()
    mode: str = "any"                 # any: one decision settles it; all: countersign, every one approves


@dataclass(frozen=True)
class Timeout:
    after: dt.timedelta
    reassign: Assignees | None = None     # escalate to these people
    decide: str | None = None             # or decide automatically with this outcome
    # neither: the node's `timeout` edge is followed


@dataclass(frozen=True)
class Node:
    """One node of a flow. `kind` names its plugin (engines/flow/nodes); `edges` maps an outcome to
    the next node; `spec` is the plugin's compiled part."""
    name: str
    kind: str
    label: Label
    edges: tuple[tuple[str, str], ...]     # (outcome, target), in the definition's order
    spec: Any = None
    timeout: Timeout | None = None

    def target(self, outcome: str) -> str | None:
        return next((t for o, t in self.edges if o == outcome), None)


@dataclass(frozen=True)
class Start:
    on: tuple[str, ...] = ()              # create, update
    condition: Any = None                 # an Expression over `record`
    button: Label | None = None           # a button on the record's page starts it
    roles: tuple[str, ...] = ()           # who may press it (every role when empty)


@dataclass(frozen=True)
class Flow:
    name: str
    label: Label
    table: str
    first: str
    nodes: dict = field(hash=False, compare=False)     # name -> Node, in the definition's order
    start: Start = Start()
    lock: bool = True                     # the record is edited only through the flow while it runs
    channel: str = "log"                  # how assignees hear of a new task (an outbox channel)
    source: str = ""                      # the definition's JSON: kept with each instance
    fingerprint: str = ""                 # sha256 of `source`

    @property
    def ends(self) -> list[str]:
        return [n.name for n in self.nodes.values() if n.kind == "end"]

    def incoming(self, name: str) -> int:
        return sum(1 for n in self.nodes.values() for _, t in n.edges if t == name)
