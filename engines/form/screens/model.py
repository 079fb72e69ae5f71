"""The compiled, immutable pages of a definition's `pages:` section."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.common.labels import Label


@dataclass(frozen=True)
class Component:
    key: str                  # the registry key: stats, fields, related, cards, search, chart, form
    options: Any              # what the component's compile() returned (frozen)
    index: int                # its place on the page: a form posts back with it


@dataclass(frozen=True)
class Screen:
    name: str
    label: Label
    roles: tuple[str, ...]    # who may open it (administrators always may)
    table: str | None         # the table of the page's record, when it has one
    for_me: bool              # the record is the signed-in user's own (the table's `owner:` user field)
    components: tuple[Component, ...]
    icon: str | None = None

    @property
    def search(self) -> Component | None:
        return next((c for c in self.components if c.key == "search"), None)
