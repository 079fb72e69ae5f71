"""A card grid: records of a table as cards, each with an action button (a rule's `when: {action:}`),
e.g. the points mall's products with "Exchange". The button posts to the rules engine's own button
URL, which runs the rule as it does on the detail page and comes back here with its message.

    - cards: {table: products, title: name, image: image, fields: [points_cost, stock], action: exchange}

`filter:` narrows the cards per person, in the grammar of a permission filter (docs/permissions.md):
`record.on_sale_from is None or record.on_sale_from <= add_days(today(), 3)`, with `user.<field>` from
the app's user profile; it is SQL, so `limit` still counts what is shown."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.expr import ExpressionError
from engines.form.row_filter import RowFilter
from engines.form.screens.options import listing

KEY = "cards"
NEEDS_RECORD = False
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["table"],
          "properties": {**listing(200), "title": {"type": "string"}, "image": {"type": "string"},
                         "action": {"type": "string", "description": "a button rule of the table"},
                         "where": {"type": "object", "maxProperties": 10,
                                   "additionalProperties": {"type": ["string", "number", "boolean"]},
                                   "description": "only records whose fields have these values"},
                         "filter": {"type": "string", "maxLength": 2000,
                                    "description": "only records for which this holds, as a permission "
                                                   "filter: record.<field> against values of user"}}}


@dataclass(frozen=True)
class Cards:
    table: str
    title: str
    image: str | None
    fields: tuple
    action: str | None
    where: tuple              # (field, raw value)
    limit: int
    sort: str
    label: Label | None
    filter: RowFilter | None = None


def compile(spec, cc):
    table = cc.table_named(spec["table"], ("table",))
    if table is None:
        return None
    t = cc.tables[table]
    title = spec.get("title", t.title_field)
    named = cc.fields_of(table, [title, *([spec["image"]] if "image" in spec else [])], ())
    if title not in named:
        cc.ok = False
    fields = cc.fields_of(table, spec.get("fields", ()), ("fields",))
    where = tuple(spec.get("where", {}).items())
    for name, value in where:
        f = t.fields.get(name)
        if f is None:
            cc.problem(("where", name), f"'{table}' has no field '{name}'{did_you_mean(name, t.fields)}", True)
        elif f.options and str(value) not in [o.key for o in f.options]:
            cc.problem(("where", name), f"'{value}' is not an option of '{name}' "
                                        f"({', '.join(o.key for o in f.options)})")
    action = spec.get("action")
    buttons = [r.trigger.name for r in cc.rules if r.trigger.kind == "action" and r.trigger.table == table]
    if action is not None and action not in buttons:
        cc.problem(("action",), f"no button rule '{action}' on '{table}' (a rule `when: {{action: {action}, "
                                f"table: {table}}}`){did_you_mean(action, buttons)}")
    row_filter = None
    if "filter" in spec:
        try:
            row_filter = RowFilter.compile(spec["filter"], cc.tables, table, cc.profile)
        except ExpressionError as exc:
            cc.problem(("filter",), str(exc))
    return Cards(table, title, spec.get("image"), fields, action, where, spec.get("limit", 50),
                 cc.sort_of(table, spec), cc.label(spec), row_filter)


def render(options, view):
    if not view.access.allows(options.table, "read"):
        return ""
    t = view.form.tables[options.table]
    filters = [(n, "eq", view.form.ftype(t.fields[n]).filter_value(t.fields[n], "eq", v)) for n, v in options.where]
    records, _total = view.records(options.table, filters, options.limit, options.sort, options.filter)
    button = _button(options, view)
    cards = []
    for r in records:
        image = view.cell(options.table, options.image, r) if options.image in view.visible(options.table,
                                                                                            [options.image]) else None
        cards.append({"title": view.title(options.table, r) if options.title == t.title_field
                      else view.cell(options.table, options.title, r)["html"],
                      "image": image if image and image["kind"] == "images" else None,
                      "pairs": view.pairs(options.table, options.fields, r),
                      "press": button and url_for("rules.page_press", app_name=view.app_name, table=options.table,
                                                  record_id=r["id"], name=options.action)})
    return view.render(KEY, heading=view.heading(options.label, options.table), cards=cards, button=button,
                       back=view.url())


def _button(options, view) -> str | None:
    """The button's label, when the person may press it."""
    rules = view.form.extensions.get("rules")
    rule = rules.named("action", options.action, options.table) if rules is not None and options.action else None
    if rule is None or not rule.enabled or not rule.trigger.allows(view.access.roles, view.access.unrestricted):
        return None
    return rule.label.get(view.lang)
