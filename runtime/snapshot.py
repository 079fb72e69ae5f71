"""What an installed definition looked like, kept in tessera_apps.snapshot so an upgrade can diff it.

Only what decides storage is kept (field types, columns, link targets, the SQL names) plus what
an old value needs to be read again (type settings, options), as JSON.
"""
from __future__ import annotations

import json
from types import MappingProxyType

from builder.model import App
from engines.common.labels import Label
from engines.form.fields import field_types
from engines.form.model import Field, Option
from engines.form.sql import table_name

FORMAT = 1


def snapshot_of(app: App) -> dict:
    types = field_types()
    tables = {}
    for t in app.tables.values():
        sql = table_name(app.sql_prefix, t.name)
        fields = {}
        for f in t.fields.values():
            ftype = types[f.type]
            storage = "join" if ftype.join_table else "column" if ftype.stored else None
            fields[f.name] = {
                "type": f.type, "storage": storage, "table": f.table,
                "column": str(ftype.column_type(f)) if storage == "column" else None,
                "sql": f"{sql}__{f.name}" if storage == "join" else None,
                "max_length": f.max_length, "options": [o.key for o in f.options],
                "settings": _plain(dict(f.settings)),
            }
        tables[t.name] = {"sql": sql, "fields": fields}
    return {"format": FORMAT, "app": app.name, "version": app.version, "tables": tables}


def dumps(snapshot: dict) -> str:
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def loads(text: str | None) -> dict | None:
    """The stored snapshot, or None when there is none (installed before snapshots were kept)."""
    if not text:
        return None
    data = json.loads(text)
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def sql_tables(snapshot: dict) -> list[str]:
    """Every SQL table the snapshot's app owns: join tables first, so they can be dropped first."""
    joins = [f["sql"] for t in snapshot["tables"].values() for f in t["fields"].values() if f["sql"]]
    return joins + [t["sql"] for t in snapshot["tables"].values()]


def field_from(name: str, spec: dict) -> Field:
    """A Field good enough for its type to read a stored value again (from_db, to_json)."""
    return Field(name=name, type=spec["type"], label=Label.of(None, name), table=spec.get("table"),
                 max_length=spec.get("max_length"),
                 options=tuple(Option(k, Label.of(None, k)) for k in spec.get("options", ())),
                 settings=MappingProxyType(spec.get("settings") or {}))


def _plain(value):
    """JSON-safe: a YAML date in a setting becomes its text."""
    return json.loads(json.dumps(value, default=str))
