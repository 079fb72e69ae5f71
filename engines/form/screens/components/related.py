"""A related list: the latest records of another table that link to the page's record (its ledger
entries, its cards), as the person may read them.

    - related: {table: points_ledger, fields: [change, reason, balance_after, occurred_at], limit: 10}
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.form.screens.options import listing

KEY = "related"
NEEDS_RECORD = True
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["table"],
          "properties": {**listing(100), "link": {"type": "string"}}}


@dataclass(frozen=True)
class Related:
    table: str
    link: str
    fields: tuple
    limit: int
    sort: str
    label: Label | None


def compile(spec, cc):
    table = cc.table_named(spec["table"], ("table",))
    if table is None:
        return None
    link = cc.link_to(table, cc.table, spec.get("link"), ("link",))
    t = cc.tables[table]
    fields = cc.fields_of(table, spec.get("fields") or [n for n in t.list_fields if n != link][:4], ("fields",))
    sort = cc.sort_of(table, spec)
    if link is None:
        return None
    return Related(table, link, fields, spec.get("limit", 10), sort, cc.label(spec))


def render(options, view):
    if view.record is None or not view.access.allows(options.table, "read"):
        return ""
    records, total = view.records(options.table, [(options.link, "eq", view.record["id"])], options.limit,
                                  options.sort)
    return view.render(KEY, heading=view.heading(options.label, options.table), total=total,
                       rows=[view.pairs(options.table, options.fields, r) for r in records])
