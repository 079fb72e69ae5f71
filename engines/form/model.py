"""The compiled, immutable model of a definition's `tables` section."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property
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
    renamed_from: str | None = None   # upgrade hint: the column's previous name, whose data it keeps
    demo: tuple = ()                  # values `--demo` picks from (written, and checked, like any input)

    def option(self, key) -> Option | None:
        try:
            return self._options_by_key.get(key)
        except TypeError:           # an unhashable value (a list typed into a select) is no option
            return None

    @cached_property
    def _options_by_key(self) -> dict:
        # every select value written is checked against its options: a dict, not a scan
        return {o.key: o for o in self.options}


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
    renamed_from: str | None = None   # upgrade hint: the table's previous name
    owner: tuple[str, ...] = ()       # link fields then a `user` field: whose record this is
    permissions: Mapping[str, "Grant"] | None = None   # role -> grant; None: every role, everything
    ledger: "Ledger | None" = None    # this table is a ledger's entries (engines/form/ledger)

    def field(self, name: str) -> Field:
        return self.fields[name]


@dataclass(frozen=True)
class Ledger:
    """A table of append-only entries whose amounts add up to a balance field on an account table."""
    account: str               # link field of the entries table to the account table
    account_table: str
    amount: str                # the signed integer or money field
    balance: str               # the account table's field holding the sum of the amounts
    expires: str | None = None        # date/datetime field: positive entries are lots that expire
    overdraft: bool = False           # whether a debit may take the balance below zero
    balance_after: str | None = None  # optional field of the entry noting the balance it left
    expiry_entry: Mapping[str, Any] = dc_field(default_factory=lambda: EMPTY)  # field values of the entries the expiry job writes
    available: str | None = None      # date/datetime field: a credit dated later is pending until then


@dataclass(frozen=True)
class RowRule:
    """Which rows an action may touch: all of them, the user's own, or those an expression admits."""
    kind: str                 # "all" | "own" | "filter"
    filter: Any = dc_field(default=None, compare=False)   # a RowFilter for kind "filter"


@dataclass(frozen=True)
class Grant:
    """What one role may do with one table; an action left None is refused."""
    read: RowRule | None = None
    create: RowRule | None = None
    update: RowRule | None = None
    delete: RowRule | None = None
    hidden: frozenset = frozenset()     # fields this role never sees
    readonly: frozenset = frozenset()   # fields this role sees but may not set

    def rule(self, action: str) -> RowRule | None:
        return getattr(self, action)


ACTIONS = ("read", "create", "update", "delete")
ALL_ROWS = RowRule("all")
FULL_GRANT = Grant(read=ALL_ROWS, create=ALL_ROWS, update=ALL_ROWS, delete=ALL_ROWS)
