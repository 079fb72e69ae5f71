"""Record events and their subscribers (rules and flows subscribe; the form engine emits)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class RecordEvent:
    kind: str                      # created | updated | deleted
    app: str
    table: str
    id: int
    old: Mapping[str, Any] | None  # None for created
    new: Mapping[str, Any] | None  # None for deleted
    actor: int | None
    source: str                    # page | api | rule | flow | import | scheduler | system
    changed: frozenset = field(default_factory=frozenset)


Subscriber = Callable[[RecordEvent, Any], None]  # (event, writer bound to the same transaction)


class Subscribers:
    """The subscribers of one app, held by its runtime (no module-level registry)."""

    def __init__(self):
        self._subs: list[tuple[str | None, Subscriber]] = []

    def add(self, subscriber: Subscriber, table: str | None = None) -> None:
        self._subs.append((table, subscriber))

    def for_table(self, table: str):
        return [s for t, s in self._subs if t is None or t == table]
