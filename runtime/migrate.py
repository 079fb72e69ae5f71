"""Bring the database up to the definitions: what can be added safely is added, the rest is listed.

New tables, columns and indexes are applied automatically (a new column is nullable, so rows that
exist keep their data). Removals and type changes are only reported: applying them needs the
upgrade step of the platform's app lifecycle, with explicit consent.
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


def plan(engine: sa.Engine, metadata: sa.MetaData) -> Plan:
    """Compare the database with the tables the installed definitions describe."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False,
                                                     "include_name": _only_ours(metadata)})
        diffs = compare_metadata(ctx, metadata)
    result = Plan()
    for diff in _flatten(diffs):
        kind = diff[0]
        if kind in ADDITIVE:
            result.additive.append((_describe(diff), diff))
        elif kind in ("remove_column", "remove_index", "modify_nullable", "modify_type"):
            result.destructive.append(_describe(diff))
    return result


def apply_additive(engine: sa.Engine, metadata: sa.MetaData) -> Plan:
    """Create missing tables (with their indexes), then add missing columns and indexes to tables
    that exist. Returns the plan that was carried out."""
    todo = plan(engine, metadata)
    new_tables = {diff[1].name for _, diff in todo.additive if diff[0] == "add_table"}
    metadata.create_all(engine)
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        for _, diff in todo.additive:
            if diff[0] == "add_column" and diff[2] not in new_tables:
                ops.add_column(diff[2], diff[3]._copy())
            elif diff[0] == "add_index" and diff[1].table.name not in new_tables:
                index = diff[1]
                ops.create_index(index.name, index.table.name, [c.name for c in index.columns],
                                 unique=index.unique)
    return todo


def _only_ours(metadata):
    """Look only at tables the loaded definitions own: other apps' tables are not 'removed'."""
    def include(name, type_, parent_names):
        if type_ == "table":
            return name in metadata.tables
        if parent_names and parent_names.get("table_name"):
            return parent_names["table_name"] in metadata.tables
        return True
    return include


def _flatten(diffs):
    for d in diffs:
        if isinstance(d, list):   # column modifications come grouped
            yield from d
        else:
            yield d


def _describe(diff) -> str:
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
