"""Alembic's view of the database against the tables of the definitions: what is missing, what is extra.

New tables, columns and indexes are added here (a new column is nullable, so rows that exist keep
their data). Everything else is only described: renames, removals and type changes are the
upgrade's (runtime/upgrade.py), which knows the installed definition and asks for consent.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations

ADDITIVE = ("add_table", "add_column", "add_index")


@dataclass
class Plan:
    additive: list = field(default_factory=list)     # (description, diff)
    destructive: list = field(default_factory=list)  # descriptions only: never applied here

    def lines(self) -> list[str]:
        return ([f"+ {d}" for d, _ in self.additive] +
                [f"! {d} (kept: removals and type changes are never applied automatically)"
                 for d in self.destructive])


def compare(conn, metadata: sa.MetaData, tables=None) -> list:
    """Alembic's differences between the database (seen through `conn`) and `metadata`'s tables
    (only those named in `tables`, when given)."""
    names = set(metadata.tables if tables is None else tables)
    ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_name": _only(names),
                                                 "include_object": _only_objects(names)})
    return list(_flatten(compare_metadata(ctx, metadata)))


def plan(engine: sa.Engine, metadata: sa.MetaData, tables=None) -> Plan:
    """Compare the database with the tables the installed definitions describe."""
    with engine.connect() as conn:
        diffs = compare(conn, metadata, tables)
    result = Plan()
    for diff in diffs:
        kind = diff[0]
        if kind in ADDITIVE:
            result.additive.append((describe(diff), diff))
        elif kind in ("remove_column", "remove_index", "modify_nullable", "modify_type"):
            result.destructive.append(describe(diff))
    return result


def apply_additive(engine: sa.Engine, metadata: sa.MetaData, tables=None) -> Plan:
    """Create missing tables (with their indexes), then add missing columns and indexes to tables
    that exist (only those named in `tables`, when given). Returns the plan that was carried out."""
    todo = plan(engine, metadata, tables)
    with engine.begin() as conn:
        add_missing(conn, metadata, [diff for _, diff in todo.additive], tables)
    return todo


def add_missing(conn, metadata: sa.MetaData, diffs, tables=None) -> None:
    """Carry out the additive `diffs` (from `compare`) on `conn`, inside its transaction."""
    names = set(metadata.tables if tables is None else tables)
    metadata.create_all(conn, tables=[t for n, t in metadata.tables.items() if n in names])  # with their indexes
    new_tables = {diff[1].name for diff in diffs if diff[0] == "add_table"}
    ops = Operations(MigrationContext.configure(conn))
    for diff in diffs:
        if diff[0] == "add_column" and diff[2] not in new_tables:
            ops.add_column(diff[2], diff[3]._copy())
        elif diff[0] == "add_index" and diff[1].table.name not in new_tables:
            index = diff[1]
            ops.create_index(index.name, index.table.name, [c.name for c in index.columns], unique=index.unique)


def _only(names: set):
    """Look only at the tables named: other apps' tables are not 'removed'."""
    def include(name, type_, parent_names):
        if type_ == "table":
            return name in names
        if parent_names and parent_names.get("table_name"):
            return parent_names["table_name"] in names
        return True
    return include


def _only_objects(names: set):
    """The same on the definitions' side: a table of the MetaData that is not named is not 'missing'."""
    def include(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name in names
    return include


def _flatten(diffs):
    for d in diffs:
        if isinstance(d, list):   # column modifications come grouped
            yield from d
        else:
            yield d


def describe(diff) -> str:
    kind = diff[0]
    if kind == "add_table":
        return f"new table {diff[1].name}"
    if kind == "add_column":
        return f"new column {diff[2]}.{diff[3].name} ({diff[3].type})"
    if kind == "add_index":
        return f"new {'unique ' if diff[1].unique else ''}index {diff[1].name} on {diff[1].table.name}"
    if kind == "remove_column":
        return f"column {diff[2]}.{diff[3].name} is no longer in the definition"
    if kind == "remove_index":
        return f"index {diff[1].name} is no longer in the definition"
    if kind in ("modify_type", "modify_nullable"):
        return f"column {diff[3]}.{diff[4]} changed ({kind.replace('modify_', '')})"
    return str(kind)
