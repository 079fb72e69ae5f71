"""Records as JSON: each field type writes its own value; system timestamps are ISO 8601 UTC."""
from __future__ import annotations

import datetime as dt


def record_to_json(form, t, record: dict) -> dict:
    out = {"id": record["id"]}
    for name, f in t.fields.items():
        if name in record:
            value = record[name]
            vf = form.value_field(f) if f.type == "lookup" else f
            out[name] = None if value is None else form.ftype(vf).to_json(vf, value)
    for k in ("created_at", "updated_at"):
        out[k] = iso_utc(record.get(k))
    out["created_by"], out["updated_by"] = record.get("created_by"), record.get("updated_by")
    return out


def iso_utc(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
