"""A search box that finds the page's record by an exact value: a field of the page's table (`phone`)
or of a table linking to it (`cards.card_no`: the card's member). The components after it show the
record found; nothing is shown of a record the person may not read.

    - search: {fields: [phone, cards.card_no], label: {zh: 手机号或卡号, en: Phone or card number}}
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.form.fields import FieldError

KEY = "search"
NEEDS_RECORD = True
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["fields"],
          "properties": {"fields": {"type": "array", "minItems": 1, "maxItems": 6,
                                    "items": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"},
                                    "description": "fields of the page's table, or <table>.<field> of a table "
                                                   "linking to it"},
                         "label": {"$ref": "#/$defs/label"}}}


@dataclass(frozen=True)
class Search:
    ways: tuple                # (table, field, link to the page's table or None)
    label: Label | None


def compile(spec, cc):
    ways = []
    for i, name in enumerate(spec["fields"]):
        table, _, field = name.rpartition(".")
        table = table or cc.table
        if table != cc.table and cc.table_named(table, ("fields", i)) is None:
            continue
        if field not in cc.tables[table].fields:
            cc.problem(("fields", i), f"'{table}' has no field '{field}'{did_you_mean(field, cc.tables[table].fields)}")
            continue
        links = [n for n, f in cc.tables[table].fields.items() if f.type == "link" and f.table == cc.table]
        if table != cc.table and len(links) != 1:
            cc.problem(("fields", i), f"'{table}' needs exactly one link to '{cc.table}' to find its record by "
                                      f"'{field}' (it has {len(links)})")
            continue
        ways.append((table, field, links[0] if table != cc.table else None))
    return Search(tuple(ways), cc.label(spec))


def find(options, view) -> dict | None:
    """The first record a way finds for the typed value (each way: one indexed equality query)."""
    text = view.query.strip()
    if not text:
        return None
    for table, name, link in options.ways:
        if not view.access.allows(table, "read") or name in view.access.hidden(table):
            continue
        f = view.form.tables[table].fields[name]
        try:
            value = view.form.ftype(f).filter_value(f, "eq", text)
        except (FieldError, TypeError, ValueError):
            continue                  # "8612" is no phone number: try the next way
        found = view.one(table, [(name, "eq", value)])
        if found is None:
            continue
        if link is None:
            return found
        target = found.get(link)
        if target is not None:
            record = view.one(view.screen.table, [("id", "eq", getattr(target, "id", target))])
            if record is not None:
                return record
    return None


def render(options, view):
    label = options.label.get(view.lang) if options.label else ""
    return view.render(KEY, label=label, searched=bool(view.query.strip()))
