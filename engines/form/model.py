"""The compiled, immutable model of a definition's `tables` section."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from types import MappingProxyType
from typing import Any, Mapping

from engines.common.labels import Label

SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "created_by", "updated_by")

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Option:
    key: str
    label: Label
    color: str | None = None


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: Label
    required: bool = False
    unique: bool = False
    default: Any = None
    min: Any = None
    max: Any = None
    max_length: int | None = None
    pattern: str | None = None
    options: tuple[Option, ...] = ()
    readonly: bool = False
    index: bool = False
    help: Label | None = None
    table: str | None = None          # target table of link / multi_link / rollup
    settings: Mapping[str, Any] = dc_field(default_factory=lambda: EMPTY) # type-specific settings (expression, scale, pattern, ...)
    compiled: Any = dc_field(default=None, compare=False, repr=False)  # e.g. a parsed formula

    def option(self, key) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Table:
    name: str
    label: Label
    fields: Mapping[str, Field]
    title_field: str
    icon: str | None = None
    description: Label | None = None
    list_fields: tuple[str, ...] = ()
    demo_rows: int | None = None

    def field(self, name: str) -> Field:
        return self.fields[name]
