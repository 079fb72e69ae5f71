"""Stat cards: big numbers of the page's record (current points, tier, stored balance).

    - stats: {fields: [points, total_earned, tier]}
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.form.screens.options import record_fields

KEY = "stats"
NEEDS_RECORD = True
SCHEMA = record_fields(8)


@dataclass(frozen=True)
class Stats:
    fields: tuple
    label: Label | None


def compile(spec, cc):
    fields = cc.fields_of(cc.table, spec["fields"], ("fields",))
    return Stats(fields, cc.label(spec))


def render(options, view):
    if view.record is None:
        return ""
    return view.render(KEY, cards=view.pairs(view.screen.table, options.fields, view.record),
                       heading=view.heading(options.label))
