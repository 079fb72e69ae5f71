"""One installed app as the form engine sees it at run time."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engines.form.events import Subscribers
from engines.form.fields import field_types
from engines.form.model import Table
from engines.form.sql import SqlTables, build_sql_tables
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

    def links_to(self, table: str):
        """(table, field) pairs of link fields elsewhere that point at `table`: the related lists."""
        return [(t.name, f.name) for t in self.tables.values() for f in t.fields.values()
                if f.type == "link" and f.table == table]
