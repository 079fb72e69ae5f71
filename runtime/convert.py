"""Values of a field whose type changes, converted by the field types themselves.

Each stored value is read as the old type shows it (its JSON form: what the API returned) and
entered into the new type as if a user typed it: "12" becomes 12, "13800138000" a phone number,
"abc" into an integer is refused. One value that does not convert refuses the whole change.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.form.fields import FieldError, field_types
from engines.form.model import Field
from runtime.snapshot import field_from

SHOWN = 10   # records named in a refusal; the rest are counted


class ConversionFailed(Exception):
    def __init__(self, table: str, field: str, old_type: str, new_type: str, bad: list):
        shown = ", ".join(f"#{rid} {raw!r} ({why})" for rid, raw, why in bad[:SHOWN])
        more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        super().__init__(f"cannot change {table}.{field} from {old_type} to {new_type}: "
                         f"{len(bad)} record(s) hold a value that does not convert: {shown}{more}")


def converted(conn, table: str, column: str, old_spec: dict, new: Field) -> list[tuple[int, object]]:
    """[(record id, value for the new column)] for every record with a value; raises ConversionFailed."""
    types = field_types()
    old_type, new_type = types[old_spec["type"]], types[new.type]
    if new_type.computed:
        return []                # numbered or computed by the platform: filled again on the next save
    old = field_from(column, old_spec)
    sql = sa.Table(table, sa.MetaData(), autoload_with=conn)   # the stored types, so values come back typed
    done, bad = [], []
    rows = conn.execute(sa.select(sql.c.id, sql.c[column]).where(sql.c[column].is_not(None)).order_by(sql.c.id))
    for rid, raw in rows:
        try:
            value = new_type.coerce(new, _shown(old_type, old, raw))
            new_type.validate(new, value)
        except FieldError as exc:
            bad.append((rid, raw, exc.message.en))
            continue
        done.append((rid, new_type.to_db(new, value)))
    if bad:
        raise ConversionFailed(table, column, old_spec["type"], new.type, bad)
    return done


def _shown(ftype, field: Field, raw):
    """The value as the old type gives it out; the raw value when the old type cannot read it."""
    try:
        return ftype.to_json(field, ftype.from_db(field, raw))
    except Exception:    # an old type's reader failing on odd data must not block the conversion
        return raw
