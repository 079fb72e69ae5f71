"""A form that creates a record through the record service: a consumption for the member found,
a top-up of one of their cards, a new member. Its link to the page's record is filled in (never
typed), `values:` are set from expressions (`=user.store`: the store a staff member works at), and
a link to a table of the page's record's own records (a member's cards) offers only theirs.
A refused write shows each message next to its field and keeps what was typed. A form for a new
record of the page's own table shows while the page has no record (the search found none).

    - form:
        table: consumptions
        fields: [card, amount, payment_method]
        values: {store: =user.store}
        label: {zh: 记录消费, en: Record a consumption}
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType, SimpleNamespace
from typing import Any, Mapping

from flask import flash, redirect, request

from engines.common.labels import Label
from engines.expr import ExpressionError, compile_expression
from engines.form import page_forms as pf
from engines.form.access import Forbidden
from engines.form.errors import NotFound, RecordError
from engines.form.model import SYSTEM_COLUMNS
from engines.form.row_filter import user_scope
from engines.form.ui_text import translate
from engines.form.web import current_actor

KEY = "form"
NEEDS_RECORD = False
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["table"],
          "properties": {"table": {"type": "string"}, "link": {"type": "string"},
                         "fields": {"type": "array", "items": {"type": "string"}, "maxItems": 30,
                                    "description": "what is typed (none: a button that creates the record)"},
                         "values": {"type": "object", "maxProperties": 20,
                                    "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
                                    "description": "values set on the record; '=expression' with user and record"},
                         "then_find": {"type": "string", "description": "after saving, search the page for this "
                                                                       "field of the new record"},
                         "label": {"$ref": "#/$defs/label"}, "submit": {"$ref": "#/$defs/label"}}}


@dataclass(frozen=True)
class Form:
    table: str
    link: str | None           # filled with the page's record
    for_record: bool           # a record for the page's record (a top-up of their card): shown only with one
    fields: tuple
    values: Mapping[str, Any]  # field -> literal or Expression
    then_find: str | None
    label: Label | None
    submit: Label | None


def compile(spec, cc):
    table = cc.table_named(spec["table"], ("table",))
    if table is None:
        return None
    t = cc.tables[table]
    link = None
    if cc.table is not None and (spec.get("link") or (table != cc.table and any(
            f.type == "link" and f.table == cc.table for f in t.fields.values()))):
        link = cc.link_to(table, cc.table, spec.get("link"), ("link",))
    fields = cc.fields_of(table, spec.get("fields", ()), ("fields",))
    if link in fields:
        cc.problem(("fields", list(fields).index(link)), f"'{link}' is filled with the page's record; leave it out")
    scope = {"user": user_scope(cc.tables, cc.profile),
             "record": {n: {} for n in (*SYSTEM_COLUMNS, *cc.tables[cc.table].fields)} if cc.table else {}}
    values = {}
    for name, raw in (spec.get("values") or {}).items():
        if name not in t.fields:
            cc.problem(("values", name), f"'{table}' has no field '{name}'", True)
        elif isinstance(raw, str) and raw.startswith("="):
            try:
                values[name] = compile_expression(raw[1:], scope)
            except ExpressionError as exc:
                cc.problem(("values", name), str(exc))
        else:
            values[name] = raw
    then_find = spec.get("then_find")
    if then_find is not None and not cc.fields_of(table, [then_find], ("then_find",)):
        return None
    return Form(table, link, cc.table is not None and table != cc.table, fields, MappingProxyType(values),
                then_find,
                cc.label(spec),
                Label.of(spec["submit"]) if "submit" in spec else None)


def render(options, view):
    if not view.access.allows(options.table, "create") or (options.for_record and view.record is None):
        return ""
    if options.table == view.screen.table and view.record is not None:
        return ""                  # a new record of the page's table: offered while the search finds none
    t = view.form.tables[options.table]
    state = view.forms.get(view.current.index, {})
    errors = state.get("errors") or {}
    with view.form.engine.connect() as conn:
        widgets = [w for w in pf.widgets(view.form, conn, view.app_name, t, "create", view.lang,
                                         kept=state.get("kept") or pf.initial_values(view.form, t, {}, view.access),
                                         errors={k: v for k, v in errors.items() if k in options.fields},
                                         access=view.access)
                   if w["name"] in options.fields]
    for w in widgets:
        _only_theirs(options, view, t, w)
    unplaced = [v.get(view.lang) for k, v in errors.items() if k not in options.fields]
    problem = state.get("problem") or (unplaced[0] if unplaced else "")
    label = view.heading(options.label, options.table)
    return view.render(KEY, heading=label, widgets=widgets, problem=problem, has_errors=bool(state),
                       index=view.current.index, submit=options.submit.get(view.lang) if options.submit else label,
                       multipart=any(w["widget"] in pf.FILES for w in widgets))


def _only_theirs(options, view, t, w) -> None:
    """A link to a table whose records belong to the page's record (a member's cards): only theirs."""
    f = t.fields[w["name"]]
    if f.type != "link" or view.record is None or w["widget"] not in ("link", "link_id"):
        return
    owner = next((n for n, g in view.form.tables[f.table].fields.items()
                  if g.type == "link" and g.table == view.screen.table), None)
    if owner is None or not view.access.allows(f.table, "read"):
        return
    records, _total = view.records(f.table, [(owner, "eq", view.record["id"])], limit=50)
    w["widget"] = "link"
    w["options"] = [(str(r["id"]), view.title(f.table, r)) for r in records]


def post(options, view):
    """Create the record; a redirect when it was saved, None to show the form again with its errors."""
    t = view.form.tables[options.table]
    if options.for_record and view.record is None:      # posted after the record went out of sight
        flash(translate("screen_no_record_found", view.lang), "error")   # the form itself is not shown
        view.forms[view.current.index] = {"status": 422}
        return None
    values, kept, saved = pf.read_submission(view.form, view.app_name, t, "create", request.form, request.files,
                                             None, view.access)
    values = {k: v for k, v in values.items() if k in options.fields}
    me = SimpleNamespace(**view.record) if view.record is not None else None
    if options.link:
        values[options.link] = view.record["id"]
    try:
        for name, value in options.values.items():
            values[name] = value.evaluate({"user": view.access.user(), "record": me}) \
                if hasattr(value, "evaluate") else value
    except ExpressionError as exc:     # e.g. a staff member without a profile record: say so, keep the input
        pf.discard(saved)
        view.forms[view.current.index] = {"kept": kept, "errors": {}, "problem": str(exc), "status": 422}
        return None
    try:
        result = view.inst.records.create(options.table, values, actor=current_actor(), source="page",
                                          access=view.access)
    except RecordError as exc:
        pf.discard(saved)
        if isinstance(exc, NotFound):
            raise
        problem = "" if exc.code == "validation_failed" else exc.message.get(view.lang)
        if isinstance(exc, Forbidden):
            problem = exc.message.get(view.lang)
        view.forms[view.current.index] = {"kept": kept, "errors": exc.fields or {}, "problem": problem,
                                          "status": exc.status}
        return None
    flash(translate("created", view.lang, title=view.title(options.table, result)), "success")
    found = result.get(options.then_find) if options.then_find else None
    return redirect(view.url(query=str(found) if found is not None else None), 303)
