"""What the list and detail pages show: display cells, columns, the filter form, sort and page links.

Everything here returns plain dicts for the templates; values stay text (Jinja escapes them).
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

import sqlalchemy as sa
from markupsafe import Markup, escape
from flask import url_for

from engines.common.labels import Label
from engines.common.locales import format_datetime
from engines.form.fields.link import LinkValue
from engines.form.reading import link_titles
from engines.form.ui_text import translate

SYSTEM_FIELDS = ("id", "created_at", "updated_at", "created_by", "updated_by")
LIST_COLUMNS = 6
LINK_CHOICES = 200          # a link becomes a <select> when the target has at most this many records
NOT_IN_LIST = ("textarea", "json")
_COLOR = re.compile(r"^#?[0-9A-Za-z]{1,20}$")


# -- display ------------------------------------------------------------------------------------
def cell(form, app_name, f, value, lang) -> dict:
    """One value, with its escaped HTML ready (drawn in Python: a Jinja macro per cell is slow)."""
    c = _cell(form, app_name, form.value_field(f), value, lang)
    c["html"] = cell_html(c)
    return c


def _e(value) -> str:
    return str(escape(value))


def cell_html(c: dict) -> Markup:
    """The escaped HTML of a cell. Plain string building: Markup.format is several times slower."""
    kind = c["kind"]
    if kind == "empty":
        return Markup('<span class="muted">—</span>')
    if kind == "links":
        html = "".join(f'<a class="chip" href="{_e(i["href"])}">{_e(i["text"])}</a>' for i in c["items"])
    elif kind == "images":
        html = "".join(f'<a href="{_e(i["href"])}" target="_blank" rel="noopener"><img class="thumb" '
                       f'src="{_e(i["href"])}" alt="{_e(i["name"])}" loading="lazy"></a>' for i in c["items"])
    elif kind == "badges":
        html = "".join(f'<span class="badge" style="--badge: {_e(i["color"])}">{_e(i["text"])}</span>' if i["color"]
                       else f'<span class="badge">{_e(i["text"])}</span>' for i in c["items"])
    elif kind == "files":
        html = " ".join(f'<a class="file" href="{_e(i["href"])}" download>{_e(i["name"])}</a>'
                        + (f' <span class="muted">({_e(i["size"])})</span>' if i["size"] else "") for i in c["items"])
    elif kind == "bool":
        html = f'<span class="bool bool-{"on" if c["on"] else "off"}">{_e(c["text"])}</span>'
    elif kind == "color":
        html = f'<span class="swatch" style="--swatch: {_e(c["color"])}"></span> {_e(c["text"])}'
    elif kind == "multiline":
        html = f'<span class="multiline">{_e(c["text"])}</span>'
    else:
        html = _e(c["text"])
    return Markup(html)


def _cell(form, app_name, f, value, lang) -> dict:
    if value is None or value == "" or value == []:
        return {"kind": "empty"}
    ftype = form.ftype(f)
    if isinstance(value, LinkValue):
        return {"kind": "links", "items": [_link_item(app_name, f, value)]}
    if isinstance(value, list) and value and all(isinstance(v, LinkValue) for v in value):
        return {"kind": "links", "items": [_link_item(app_name, f, v) for v in value]}
    files = value if isinstance(value, list) else [value]
    if all(isinstance(v, dict) and v.get("path") for v in files):
        kind = "images" if ftype.widget == "image" else "files"
        return {"kind": kind, "items": [{"href": url_for("pages.media", path=v["path"]),
                                          "name": v.get("name") or v["path"].rsplit("/", 1)[-1],
                                          "size": _size(v.get("size"))} for v in files]}
    if f.options:
        keys = value if isinstance(value, list) else [value]
        badges = []
        for key in keys:
            opt = f.option(key)
            color = opt.color if opt and opt.color and _COLOR.match(opt.color) else None
            badges.append({"text": opt.label.get(lang) if opt else str(key), "color": color})
        return {"kind": "badges", "items": badges}
    text = ftype.display_local(f, value, lang)      # dates, numbers, money as the locale writes them
    if ftype.widget == "checkbox":
        return {"kind": "bool", "on": bool(value), "text": text}
    if ftype.widget == "color" and isinstance(value, str) and _COLOR.match(value):
        return {"kind": "color", "text": text, "color": value}
    return {"kind": "multiline" if ftype.widget in ("textarea", "json") else "text", "text": text}


def _link_item(app_name, f, v: LinkValue) -> dict:
    return {"text": v.title, "href": url_for("pages.detail", app_name=app_name, table=f.table, record_id=v.id)}


def _size(n) -> str:
    if not isinstance(n, int):
        return ""
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def system_cell(form, name, value, lang="zh") -> dict:
    if value is None:
        c = {"kind": "empty"}
    elif name in ("created_at", "updated_at"):
        c = {"kind": "text", "text": local_time(form, value, lang)}
    else:
        c = {"kind": "text", "text": str(value)}
    c["html"] = cell_html(c)
    return c


def local_time(form, value, lang="zh") -> str:
    """A stored UTC time in the app's time zone, as `lang` writes it."""
    return format_datetime(value, lang, form.timezone)


def system_label(name) -> Label:
    return Label(zh=translate(name, "zh"), en=translate(name, "en"))


# -- columns and rows ---------------------------------------------------------------------------
def columns(form, t, hidden=frozenset()) -> list[dict]:
    """The list's columns: `list_fields`, or the first few fields; never a field the person may not read."""
    names = [n for n in t.list_fields if n not in hidden] or \
        [n for n, f in t.fields.items() if form.ftype(f).widget not in NOT_IN_LIST and n not in hidden][:LIST_COLUMNS]
    cols = []
    for name in names:
        f = t.fields.get(name)
        if f is None:
            cols.append({"name": name, "label": system_label(name), "field": None, "sortable": name != "created_by"
                         and name != "updated_by"})
        else:
            ft = form.ftype(f)
            cols.append({"name": name, "label": f.label, "field": f,
                         "sortable": ft.sortable and ft.stored and not ft.join_table})
    return cols


def rows(form, app_name, t, cols, records, lang) -> list[dict]:
    """Rows with their <tr> drawn here: one Python pass beats a Jinja macro per cell several times over."""
    base = url_for("pages.detail", app_name=app_name, table=t.name, record_id=1).rsplit("/", 1)[0] + "/"
    labels = [_e(c["label"].get(lang)) for c in cols]
    out = []
    for r in records:
        cells = [cell(form, app_name, c["field"], r.get(c["name"]), lang) if c["field"] is not None
                 else system_cell(form, c["name"], r.get(c["name"]), lang) for c in cols]
        row = {"id": r["id"], "title": record_title(form, t, r, lang), "cells": cells, "href": base + str(r["id"])}
        row["html"] = _row_html(row, labels)
        out.append(row)
    return out


def _row_html(row, labels) -> Markup:
    """The first cell links to the record (its own links, if any, stay beside it)."""
    href, parts = _e(row["href"]), []
    for i, (c, label) in enumerate(zip(row["cells"], labels)):
        inner = str(c["html"])
        if i == 0:
            if c["kind"] in ("links", "images", "files"):
                inner = f'<a class="row-link" href="{href}">#{row["id"]}</a> {inner}'
            elif c["kind"] == "empty":
                inner = f'<a class="row-link" href="{href}">{_e(row["title"])}</a>'
            else:
                inner = f'<a class="row-link" href="{href}">{inner}</a>'
        parts.append(f'<td data-label="{label}">{inner}</td>')
    return Markup("<tr>" + "".join(parts) + "</tr>")


def record_title(form, t, record, lang) -> str:
    f = t.fields.get(t.title_field)
    value = record.get(t.title_field)
    if f is None or value in (None, ""):
        return f"#{record['id']}"
    return form.ftype(f).display(f, value, lang) or f"#{record['id']}"


# -- the filter form ----------------------------------------------------------------------------
def filters(form, conn, t, args, lang, access=None) -> list[dict]:
    """One entry per filterable field; `kind` picks the inputs the list template draws."""
    out = []
    hidden = access.hidden(t.name) if access is not None else ()
    for name, f in t.fields.items():
        ft = form.ftype(f)
        ops = ft.filter_ops
        if not ft.stored or ft.join_table or not ops or name in hidden:
            continue
        spec = {"name": name, "label": f.label.get(lang)}
        if f.type == "link" and "eq" in ops:
            choices = link_choices(form, conn, f.table, access=access)
            spec.update(kind="choice" if choices is not None else "number", param=name, value=args.get(name, ""),
                        options=[(str(i), title) for i, title in (choices or [])])
        elif f.options and ("eq" in ops or "contains" in ops):
            param = name if "eq" in ops else f"{name}__contains"
            spec.update(kind="choice", param=param, value=args.get(param, ""),
                        options=[(o.key, o.label.get(lang)) for o in f.options])
        elif ft.widget == "checkbox" and "eq" in ops:
            spec.update(kind="choice", param=name, value=args.get(name, ""),
                        options=[("true", translate("yes", lang)), ("false", translate("no", lang))])
        elif "gte" in ops and "lte" in ops:
            spec.update(kind="range", input=_range_input(ft.widget),
                        low=(f"{name}__gte", args.get(f"{name}__gte", "")),
                        high=(f"{name}__lte", args.get(f"{name}__lte", "")))
        else:
            param = f"{name}__contains" if "contains" in ops else name
            spec.update(kind="text", param=param, value=args.get(param, ""))
        out.append(spec)
    return out


def _range_input(widget) -> str:
    return {"date": "date", "datetime": "datetime-local", "time": "time"}.get(widget, "number")


def active_filters(args) -> bool:
    return any(k not in ("q", "sort", "after", "before", "limit", "lang") for k in args)


def link_choices(form, conn, table, limit=LINK_CHOICES, access=None):
    """[(id, title)] of every record of `table` the person may read, or None when there are more than
    `limit` (or when they may not read its titles: they type a number instead)."""
    if access is not None and not access.can_see_titles(table):
        return None
    sql = form.sql[table]
    stmt = sa.select(sql.c.id).order_by(sql.c.id).limit(limit + 1)
    scope = access.rows(table, "read") if access is not None else None
    ids = list(conn.execute(stmt if scope is None else stmt.where(scope)).scalars())
    if len(ids) > limit:
        return None
    titles = link_titles(form, conn, table, ids)
    return sorted(((i, titles.get(i, f"#{i}")) for i in ids), key=lambda p: p[1])


# -- links that keep the query --------------------------------------------------------------------
def clean_args(args) -> dict:
    """The list's query without empty values (an empty filter input means "any")."""
    return {k: v for k, v in args.items() if v not in ("", None)}


def list_url(app_name, table, args, **changes) -> str:
    query = {k: v for k, v in args.items() if k not in ("after", "before", "lang")}
    query.update({k: v for k, v in changes.items() if v is not None})
    base = url_for("pages.list_records", app_name=app_name, table=table)
    return f"{base}?{urlencode(query)}" if query else base


def sort_links(app_name, table, args, cols, current) -> dict:
    """Column name -> {href, dir}: clicking a column sorts by it, clicking again reverses."""
    out = {}
    for c in cols:
        if not c["sortable"]:
            continue
        name = c["name"]
        direction = "asc" if current == name else "desc" if current == f"-{name}" else None
        target = f"-{name}" if direction == "asc" else name
        out[name] = {"href": list_url(app_name, table, args, sort=target), "dir": direction}
    return out
