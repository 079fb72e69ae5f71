"""Dataset values by name: `amount`, `member.tier` (through links), a `related:` aggregate.

Resolved once at compile time into a Ref; the run-time side (joins) is in frame.py.
"""
from __future__ import annotations

from engines.common.problems import did_you_mean
from engines.form.fields import field_types
from engines.form.model import SYSTEM_COLUMNS
from engines.report.model import Ref

NUMERIC = frozenset({"integer", "decimal", "money", "percent", "rating", "duration"})
TIMES = frozenset({"date", "datetime"})
_SYSTEM_TYPES = {"id": "integer", "created_at": "datetime", "updated_at": "datetime",
                 "created_by": "user", "updated_by": "user"}
MAX_HOPS = 4


class PathError(ValueError):
    pass


def value_type(ref: Ref) -> str:
    """The type of the values: a formula's result type, a related count's integer, ..."""
    if ref.type == "formula" and ref.field is not None:
        return ref.field.settings.get("result", "decimal")
    return ref.type


def is_numeric(ref: Ref) -> bool:
    return value_type(ref) in NUMERIC


def resolve(tables, table: str, text, related=None, part: str | None = None) -> Ref:
    """The Ref for `text` on `table`'s rows. `related`: {name: Related} of the dataset."""
    if not isinstance(text, str) or not text:
        raise PathError("expected a field name such as 'amount' or 'member.tier'")
    steps = text.split(".")
    if related and len(steps) == 1 and steps[0] in related:
        r = related[steps[0]]
        kind = "integer" if r.function == "count" else _column_type(tables, r.table, r.column)
        return Ref(path=(steps[0],), type=kind, related=True, table=table)
    if len(steps) > MAX_HOPS + 1:
        raise PathError(f"'{text}' goes through more than {MAX_HOPS} links")
    here, walked = table, []
    for i, name in enumerate(steps):
        fields = tables[here].fields
        last = i == len(steps) - 1
        if name in SYSTEM_COLUMNS and name not in fields:
            if not last:
                raise PathError(f"'{'.'.join(steps[:i + 1])}' is not a link; nothing can follow it")
            return Ref(path=tuple(walked + [name]), type=_SYSTEM_TYPES[name], table=here)
        if name not in fields:
            known = list(fields) + list(SYSTEM_COLUMNS) + (list(related) if related and i == 0 else [])
            raise PathError(f"table '{here}' has no field '{name}'{did_you_mean(name, known)}")
        f = fields[name]
        if f.type == "lookup":               # a lookup is its link's field: follow it instead
            link = fields[f.settings["link"]]
            return resolve(tables, table, ".".join(walked + [link.name, f.settings["field"]] + steps[i + 1:]),
                           None, part)
        if not last:
            if f.type != "link":
                raise PathError(f"'{'.'.join(steps[:i + 1])}' is not a link; nothing can follow it")
            walked.append(name)
            here = f.table
            continue
        ftype = field_types()[f.type]
        if not ftype.stored or ftype.join_table or f.type == "multi_select":
            raise PathError(f"'{text}' is computed on read or holds several values; reports need a stored "
                            "field (for an aggregate of linked records use `related:`)")
        if part is not None and f.type != "region":
            raise PathError(f"`part: {part}` needs a region field; '{text}' is {f.type}")
        return Ref(path=tuple(walked + [name]), type=f.type, part=part, field=f, table=here)
    raise PathError(f"'{text}' is not a field")   # unreachable: the loop returns on its last step


def _column_type(tables, table, column):
    if column is None:
        return "integer"
    if column in _SYSTEM_TYPES:
        return _SYSTEM_TYPES[column]
    return tables[table].fields[column].type
