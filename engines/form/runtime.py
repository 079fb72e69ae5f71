"""One installed app as the form engine sees it at run time."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engines.form.events import Subscribers
from engines.form.fields import field_types
from engines.form.fields.base import FieldType
from engines.form.model import Table
from engines.form.sql import SqlTables, build_sql_tables
from engines.form.statements import Statements
from engines.form.system import sequences_table


@dataclass
class FormApp:
    name: str
    tables: Mapping[str, Table]
    sql: SqlTables
    engine: sa.Engine
    sequences: sa.Table
    timezone: ZoneInfo
    subscribers: Subscribers
    media_dir: str
    user_profile: str | None = None    # the table `user.<field>` reads in permission filters
    extensions: dict = field(default_factory=dict)   # other engines' run-time parts (e.g. "rules")

    @classmethod
    def build(cls, name, prefix, tables, metadata, engine, timezone="Asia/Shanghai", media_dir="var/media",
              user_profile=None):
        return cls(name=name, tables=tables, sql=build_sql_tables(prefix, tables, metadata),
                   engine=engine, sequences=sequences_table(metadata), timezone=ZoneInfo(timezone),
                   subscribers=Subscribers(), media_dir=media_dir, user_profile=user_profile)

    def table(self, name: str) -> Table:
        return self.tables[name]

    def ftype(self, field):
        return field_types()[field.type]

    def value_field(self, field):
        """The field whose type formats this field's values: a lookup shows its target's way."""
        if field.type != "lookup":
            return field
        for t in self.tables.values():
            if t.fields.get(field.name) is field:
                link = t.fields[field.settings["link"]]
                return self.tables[link.table].fields[field.settings["field"]]
        return field

    # -- worked out once per app (the tables never change under a FormApp) ---------------------
    @cached_property
    def write_engine(self) -> sa.Engine:
        """The engine for units of work (BEGIN IMMEDIATE on SQLite); made once: each
        `execution_options` call builds a new proxy engine."""
        return self.engine.execution_options(tessera_write=True)

    @cached_property
    def statements(self) -> Statements:
        return Statements(self)

    @cached_property
    def rollup_sources(self) -> dict:
        """source table -> [(owner table, rollup field, link column, measured column)]."""
        out: dict = {}
        for t in self.tables.values():
            for f in t.fields.values():
                if f.type == "rollup":
                    out.setdefault(f.table, []).append((t.name, f.name, f.compiled, f.settings.get("field")))
        return out

    @cached_property
    def computed_fields(self) -> dict:
        """table -> its fields whose values are not in its row: multi_link ids, lookups, rollups."""
        return {t.name: [f for f in t.fields.values()
                         if f.type in ("lookup", "rollup") or self.ftype(f).join_table]
                for t in self.tables.values()}

    @cached_property
    def decoders(self) -> dict:
        """table -> [(name, field, its type, or None when its from_db returns the value as it is)]
        for the fields kept in the table's own row: decode_row's loop, worked out once."""
        return {t.name: [(n, f, None if type(self.ftype(f)).from_db is FieldType.from_db else self.ftype(f))
                         for n, f in t.fields.items() if self.ftype(f).stored and not self.ftype(f).join_table]
                for t in self.tables.values()}

    @cached_property
    def decoder_index(self) -> dict:
        """table -> {name: (field, its type or None)}: `decoders` by name."""
        return {name: {n: (f, ftype) for n, f, ftype in found} for name, found in self.decoders.items()}

    @cached_property
    def link_fields(self) -> dict:
        """table -> [(name, field)] of its link and multi_link fields: the references a write checks."""
        return {t.name: [(n, f) for n, f in t.fields.items() if f.type in ("link", "multi_link")]
                for t in self.tables.values()}

    @cached_property
    def balances(self) -> dict:
        """table -> {balance field: the ledger that owns it}."""
        out: dict = {}
        for t in self.tables.values():
            if t.ledger is not None:
                out.setdefault(t.ledger.account_table, {})[t.ledger.balance] = t.name
        return out

    def links_to(self, table: str):
        """(table, field) pairs of link fields elsewhere that point at `table`: the related lists."""
        return [(t.name, f.name) for t in self.tables.values() for f in t.fields.values()
                if f.type == "link" and f.table == table]
