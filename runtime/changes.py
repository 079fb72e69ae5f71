"""What a new definition changes against the installed one (its snapshot), beyond additions.

Additions (new tables, columns, indexes) are found by comparing the database with the new tables
(runtime/migrate); this module finds what that comparison cannot tell apart: a rename (hinted by
`renamed_from`) from a removal plus an addition, and a field whose type changed under the same name.
"""
from __future__ import annotations

from dataclasses import dataclass

from builder.model import App
from engines.form.fields import field_types
from engines.form.model import Field
from runtime.snapshot import snapshot_of

# kinds: rename_table, rename_field, resize (same field type, other column size): applied on their own;
# remove_table, remove_field, retype (values converted), replace (values dropped): need consent
CONSENT = frozenset({"remove_table", "remove_field", "retype", "replace"})


@dataclass(frozen=True)
class Change:
    kind: str
    table: str                    # SQL name of the table once renames are done (or the removed table)
    name: str | None = None       # field name once renamed
    old: str | None = None        # former SQL table name (rename_table) or field name (rename_field)
    old_spec: dict | None = None  # the field (or table) as the snapshot has it
    new: Field | None = None      # the field as the new definition has it

    @property
    def needs_consent(self) -> bool:
        return self.kind in CONSENT

    @property
    def storage(self) -> str | None:
        return (self.old_spec or {}).get("storage")

    def describe(self) -> str:
        spec = self.old_spec or {}
        if self.kind == "rename_table":
            return f"rename table {self.old} to {self.table} (its records are kept)"
        if self.kind == "rename_field":
            return f"rename field {self.table}.{self.old} to {self.name} (its values are kept)"
        if self.kind == "resize":
            return f"change column {self.table}.{self.name} from {spec['column']} to {_column(self.new)}"
        if self.kind == "remove_table":
            return f"remove table {self.table}"
        if self.kind == "remove_field":
            return f"remove field {self.table}.{self.name}"
        if self.kind == "retype":
            return f"change field {self.table}.{self.name} from {spec['type']} to {self.new.type} (values converted)"
        return (f"change field {self.table}.{self.name} from {_kind(spec)} to {_kind_of(self.new)} "
                "(its values cannot be kept)")


def diff(installed: dict | None, app: App) -> list[Change]:
    """Renames first (tables, then fields), then resizes, retypes, replacements and removals: the
    order in which they are applied. With no snapshot nothing is known beyond what the database shows."""
    if installed is None:
        return []
    old_tables = installed["tables"]
    new = snapshot_of(app)["tables"]
    renamed = {t.name: t.renamed_from for t in app.tables.values()
               if t.name not in old_tables and t.renamed_from in old_tables}
    old_name = {name: renamed.get(name, name) for name in app.tables}      # new table -> old table
    new_name = {old: name for name, old in old_name.items()}               # old table -> new table
    renames, others = [], []
    for name, old in renamed.items():
        sql = new[name]["sql"]
        renames.append(Change("rename_table", sql, old=old_tables[old]["sql"], old_spec=old_tables[old]))
    for tname, t in app.tables.items():
        old_t = old_tables.get(old_name[tname])
        if old_t is None:
            continue                                                        # a new table: an addition
        sql, old_fields, matched = new[tname]["sql"], old_t["fields"], set()
        for f in t.fields.values():
            was = f.name if f.name in old_fields else f.renamed_from
            if was not in old_fields or (was != f.name and was in t.fields):
                continue                                                    # a new field: an addition
            matched.add(was)
            spec, now = old_fields[was], new[tname]["fields"][f.name]
            if was != f.name and spec["storage"] is not None:
                renames.append(Change("rename_field", sql, f.name, old=was, old_spec=spec, new=f))
            change = _compare(sql, f, spec, now, new_name)
            if change:
                others.append(change)
        others += [Change("remove_field", sql, fname, old_spec=spec) for fname, spec in old_fields.items()
                   if fname not in matched and spec["storage"] is not None]
    others += [Change("remove_table", spec["sql"], old_spec=spec) for tname, spec in old_tables.items()
               if tname not in new_name]
    order = ("resize", "retype", "replace", "remove_field", "remove_table")
    return renames + sorted(others, key=lambda c: order.index(c.kind))


def _compare(sql: str, field: Field, old: dict, now: dict, new_name: dict) -> Change | None:
    target = new_name.get(old["table"], old["table"])    # a link to a renamed table still points there
    if old["storage"] is None and now["storage"] is None:
        return None                                      # computed on read both times: nothing stored
    if old["storage"] != now["storage"] or target != now["table"]:
        if old["storage"] is None:
            return None                                  # nothing stored before: an addition
        return Change("replace", sql, field.name, old_spec=old, new=field)
    if old["type"] != now["type"]:
        return Change("retype", sql, field.name, old_spec=old, new=field)
    if old["column"] != now["column"]:
        return Change("resize", sql, field.name, old_spec=old, new=field)
    return None


def _column(field: Field) -> str:
    return str(field_types()[field.type].column_type(field))


def _kind(spec: dict) -> str:
    return f"{spec['type']}({spec['table']})" if spec.get("table") else spec["type"]


def _kind_of(field: Field) -> str:
    return f"{field.type}({field.table})" if field.table else field.type
