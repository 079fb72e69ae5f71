"""One app's upgrade, inside a migration transaction: plan it, then apply it.

The plan joins two views: the definition diff (runtime/changes: renames, type changes, removals,
from the installed snapshot) and Alembic's comparison of the database with the new tables
(runtime/migrate: what to add). Applying runs, in one transaction: value conversions (read first,
so a value that does not convert refuses everything), renames, removals (SQLite rebuilds a table
in Alembic's batch mode, keeping its rows), additions, then the converted values are written.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from runtime.app_registry import InstalledApp
from runtime.changes import Change, diff
from runtime.convert import converted
from runtime.migrate import ADDITIVE, add_missing, compare, describe


class ConflictAfterConversion(Exception):
    """Converted values that break a unique field (two texts that became the same number)."""


@dataclass(frozen=True)
class Step:
    sign: str   # + added, ~ applied on its own, ! loses or changes data
    text: str
    kind: str   # add | safe | consent (needs --allow-destructive) | leftover (dropped with it) | kept


@dataclass
class Plan:
    app: str
    steps: list[Step] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def needing_consent(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "consent"]

    def lines(self, allow_destructive: bool = False) -> list[str]:
        notes = {"consent": "" if allow_destructive else " (needs --allow-destructive)",
                 "leftover": " (dropped)" if allow_destructive else " (kept; --allow-destructive drops it)",
                 "kept": " (kept)"}
        return [f"{s.sign} {s.text}{notes.get(s.kind, '')}" for s in self.steps]


class _Names:
    """Where a table or column of the new definition is in the database before the renames run."""

    def __init__(self, changes: list[Change]):
        self.tables = {c.table: c.old for c in changes if c.kind == "rename_table"}
        self.columns = {(c.table, c.name): c.old for c in changes if c.kind == "rename_field"}

    def table(self, sql: str) -> str:
        return self.tables.get(sql, sql)

    def column(self, sql: str, name: str) -> str:
        return self.columns.get((sql, name), name)


def make_plan(conn, inst: InstalledApp, installed: dict | None) -> Plan:
    """What upgrading to `inst` changes in the database `conn` sees, which holds `installed`."""
    changes = diff(installed, inst.app)
    names = _Names(changes)
    plan = Plan(inst.app.name, changes=changes)
    for c in changes:
        sign = "!" if c.needs_consent else "~"
        plan.steps.append(Step(sign, c.describe() + _affected(conn, c, names), "consent" if sign == "!" else "safe"))
    explained = _explained(changes, names)
    own = _own_index_prefixes(inst)
    for d in compare(conn, inst.metadata, inst.table_names):
        kind = d[0]
        if _is_explained(d, explained):
            continue
        if kind in ADDITIVE:
            plan.steps.append(Step("+", describe(d), "add"))
        elif kind == "remove_index" and d[1].name.startswith(own):
            plan.steps.append(Step("~", f"drop index {d[1].name} (no longer in the definition; no data lost)", "safe"))
        elif kind == "remove_column":
            plan.steps.append(Step("!", describe(d), "leftover"))
        elif kind.startswith("modify_"):
            plan.steps.append(Step("!", describe(d), "kept"))
    return plan


def apply(conn, inst: InstalledApp, plan: Plan, allow_destructive: bool) -> None:
    """Carry `plan` out on `conn` (the caller checked consent and owns the transaction)."""
    names = _Names(plan.changes)
    values = {(c.table, c.name): converted(conn, names.table(c.table), names.column(c.table, c.name),
                                           c.old_spec, c.new)
              for c in plan.changes if c.kind == "retype"}      # read first: one bad value refuses it all
    ops = Operations(MigrationContext.configure(conn))
    _rename_and_resize(conn, ops, inst, plan.changes)
    _remove(conn, ops, plan.changes)
    _tidy(conn, ops, inst, allow_destructive)
    add_missing(conn, inst.metadata, [d for d in compare(conn, inst.metadata, inst.table_names) if d[0] in ADDITIVE],
                inst.table_names)
    for (table, name), rows in values.items():
        _write(conn, table, name, rows)


def _rename_and_resize(conn, ops: Operations, inst: InstalledApp, changes: list[Change]) -> None:
    for c in changes:
        if c.kind == "rename_table":
            ops.rename_table(c.old, c.table)
            for fname, spec in c.old_spec["fields"].items():
                if spec["storage"] == "join":
                    ops.rename_table(spec["sql"], f"{c.table}__{fname}")
        elif c.kind == "rename_field" and c.storage == "join":
            ops.rename_table(f"{c.table}__{c.old}", f"{c.table}__{c.name}")
        elif c.kind == "rename_field":
            ops.alter_column(c.table, c.old, new_column_name=c.name)
        elif c.kind == "resize" and conn.dialect.name != "sqlite":   # SQLite does not enforce sizes
            column = next(t for t in inst.form.sql.tables.values() if t.name == c.table).c[c.name]
            quoted = conn.dialect.identifier_preparer.quote(c.name)
            ops.alter_column(c.table, c.name, type_=column.type,
                             postgresql_using=f"{quoted}::{column.type.compile(conn.dialect)}")


def _remove(conn, ops: Operations, changes: list[Change]) -> None:
    """Removed fields (and the old columns of retyped ones; the new ones come with the additions),
    then removed tables: a link column depends on the table it links to."""
    drops: dict[str, list[str]] = {}
    for c in changes:
        if c.kind in ("remove_field", "retype", "replace") and c.storage == "join":
            ops.drop_table(f"{c.table}__{c.name}")
        elif c.kind in ("remove_field", "retype", "replace"):
            drops.setdefault(c.table, []).append(c.name)
    for table, columns in drops.items():
        _drop_columns(conn, ops, table, columns)
    for c in changes:
        if c.kind == "remove_table":
            for spec in c.old_spec["fields"].values():
                if spec["storage"] == "join":
                    ops.drop_table(spec["sql"])
            ops.drop_table(c.table)


def _tidy(conn, ops: Operations, inst: InstalledApp, allow_destructive: bool) -> None:
    """Drop the indexes Tessera made that the definition no longer has, and with consent the
    columns no definition explains (left by an older Tessera)."""
    own, leftovers = _own_index_prefixes(inst), {}
    for d in compare(conn, inst.metadata, inst.table_names):
        if d[0] == "remove_index" and d[1].name.startswith(own):
            ops.drop_index(d[1].name, table_name=d[1].table.name)
        elif d[0] == "remove_column" and allow_destructive:
            leftovers.setdefault(d[2], []).append(d[3].name)
    for table, columns in leftovers.items():
        _drop_columns(conn, ops, table, columns)


def _drop_columns(conn, ops: Operations, table: str, columns: list[str]) -> None:
    """Drop columns with the indexes on them; on SQLite one rebuild of the table keeps its rows."""
    indexes = [i["name"] for i in sa.inspect(conn).get_indexes(table)
               if set(i["column_names"]) & set(columns)]
    with ops.batch_alter_table(table) as batch:
        for name in indexes:
            batch.drop_index(name)
        for column in columns:
            batch.drop_column(column)


def _write(conn, table: str, column: str, rows) -> None:
    if not rows:
        return
    t = sa.table(table, sa.column("id"), sa.column(column))
    stmt = t.update().where(t.c.id == sa.bindparam("rid")).values({column: sa.bindparam("value")})
    try:
        with conn.begin_nested():
            conn.execute(stmt, [{"rid": rid, "value": value} for rid, value in rows])
    except sa.exc.IntegrityError:
        raise ConflictAfterConversion(f"{table}.{column} is unique, and some converted values are the same; "
                                      "nothing was changed") from None


def _affected(conn, c: Change, names: _Names) -> str:
    """How much data a change touches, counted where it is now (before the renames)."""
    if c.kind not in ("remove_field", "retype", "replace", "remove_table"):
        return ""
    table = names.table(c.table) if c.kind != "remove_table" else c.table
    if c.kind == "remove_table":
        n = _count(conn, sa.table(table))
        return f": {n} record(s)"
    if c.storage == "join":
        n = _count(conn, sa.table(f"{table}__{names.column(c.table, c.name)}"))
        return f": {n} link(s)"
    column = sa.column(names.column(c.table, c.name))
    n = _count(conn, sa.table(table, column), column.is_not(None))
    return f": {n} record(s) hold a value"


def _count(conn, table, where=None) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    return conn.execute(query if where is None else query.where(where)).scalar_one()


def _explained(changes: list[Change], names: _Names) -> dict:
    """Database differences that a definition change already describes (as the database is now)."""
    gone, added, new_tables = set(), set(), set()
    for c in changes:
        if c.kind == "rename_table":
            new_tables.add(c.table)
            new_tables.update(f"{c.table}__{f}" for f, s in c.old_spec["fields"].items() if s["storage"] == "join")
        elif c.kind == "rename_field" and c.storage == "join":
            new_tables.add(f"{c.table}__{c.name}")
        elif c.kind == "rename_field":
            gone.add((c.table, c.old))
            added.add((c.table, c.name))
        elif c.kind in ("remove_field", "replace", "retype") and c.storage == "column":
            gone.add((names.table(c.table), names.column(c.table, c.name)))
    return {"gone": gone, "added": added, "tables": new_tables}


def _is_explained(d, explained: dict) -> bool:
    if d[0] == "add_table":
        return d[1].name in explained["tables"]
    if d[0] == "add_index":               # an index of a renamed table is not new either
        return d[1].table.name in explained["tables"]
    if d[0] == "add_column":
        return (d[2], d[3].name) in explained["added"]
    if d[0] == "remove_column":
        return (d[2], d[3].name) in explained["gone"]
    return False


def _own_index_prefixes(inst: InstalledApp) -> tuple[str, str]:
    """Indexes Tessera named for this app (ix_/ux_<app>__...): others are a DBA's, never dropped."""
    return (f"ix_{inst.app.sql_prefix}__", f"ux_{inst.app.sql_prefix}__")

