"""A record's fields: label and value pairs of the page's record.

    - fields: {fields: [member_no, name, phone], label: {zh: 我的资料, en: My details}}
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import Label
from engines.form.screens.options import record_fields

KEY = "fields"
NEEDS_RECORD = True
SCHEMA = record_fields(40)


@dataclass(frozen=True)
class Fields:
    fields: tuple
    label: Label | None


def compile(spec, cc):
    return Fields(cc.fields_of(cc.table, spec["fields"], ("fields",)),
                  cc.label(spec))


def render(options, view):
    if view.record is None:
        return ""
    return view.render(KEY, pairs=view.pairs(view.screen.table, options.fields, view.record),
                       heading=view.heading(options.label))
