"""SQLAlchemy Core tables for an app's definition: namespaced, with system columns and indexes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import sqlalchemy as sa

from engines.form.fields import field_types
from engines.form.ledger.tables import entry_columns, lots_table
from engines.form.model import Table


@dataclass(frozen=True)
class SqlTables:
    """The SQL side of one app: a table per definition table and a join table per multi_link."""
    tables: Mapping[str, sa.Table]
    joins: Mapping[tuple[str, str], sa.Table]   # (table, field) -> join table
    lots: Mapping[str, sa.Table] = field(default_factory=dict)   # ledger table -> its lots consumption

    def __getitem__(self, name: str) -> sa.Table:
        return self.tables[name]


def table_name(prefix: str, table: str) -> str:
    return f"{prefix}__{table}"


def build_sql_tables(prefix: str, tables: Mapping[str, Table], metadata: sa.MetaData,
                     users_table: str = "tessera_users") -> SqlTables:
    types = field_types()
    out, joins = {}, {}
    for t in tables.values():
        name = table_name(prefix, t.name)
        cols = [
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                      autoincrement=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.Column("created_by", sa.BigInteger(), nullable=True),
            sa.Column("updated_by", sa.BigInteger(), nullable=True),
        ]
        indexes = [sa.Index(f"ix_{name}__created_at", "created_at")]
        for f in t.fields.values():
            ftype = types[f.type]
            if not ftype.stored or ftype.join_table:
                continue
            args = []
            if f.type == "link":
                target = table_name(prefix, f.table)
                args.append(sa.ForeignKey(f"{target}.id", ondelete="RESTRICT",
                                          name=f"fk_{name}__{f.name}"))
            cols.append(sa.Column(f.name, ftype.column_type(f), *args, nullable=True))
            if f.unique:
                indexes.append(sa.Index(f"ux_{name}__{f.name}", f.name, unique=True))
            elif f.index or f.type in ("link", "user"):
                indexes.append(sa.Index(f"ix_{name}__{f.name}", f.name))
        if t.ledger is not None:
            amount_type = types[t.fields[t.ledger.amount].type].column_type(t.fields[t.ledger.amount])
            extra_cols, extra_indexes = entry_columns(name, amount_type)
            cols += extra_cols
            indexes += extra_indexes
        # ids are never reused on SQLite either: rules key ledger entries and messages by record id
        out[t.name] = sa.Table(name, metadata, *cols, *indexes, sqlite_autoincrement=True)
    for t in tables.values():
        for f in t.fields.values():
            if types[f.type].join_table:
                jname = f"{table_name(prefix, t.name)}__{f.name}"
                joins[(t.name, f.name)] = sa.Table(
                    jname, metadata,
                    sa.Column("source_id", sa.BigInteger(),
                              sa.ForeignKey(f"{table_name(prefix, t.name)}.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Column("target_id", sa.BigInteger(),
                              sa.ForeignKey(f"{table_name(prefix, f.table)}.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Index(f"ix_{jname}__target", "target_id"),
                )
    lots = {t.name: lots_table(table_name(prefix, t.name), out[t.name].c.ledger_remaining.type, metadata)
            for t in tables.values() if t.ledger is not None}
    return SqlTables(tables=out, joins=joins, lots=lots)
