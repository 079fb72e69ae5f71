"""What the flow engine adds to other pages: the record page's flow panel (where each flow stands, its
diagram with the current node lit, and its history), the record page's start buttons, and the app
home's links (the to-do inbox, each flow's page)."""
from __future__ import annotations

from flask import render_template, url_for
from markupsafe import Markup

from engines.flow.diagram import render_svg
from engines.flow.inbox import history
from engines.flow.words import word
from engines.form import page_views as pv
from engines.form.web import current_access, current_lang


def record_panel(inst, table: str, record_id: int, lang: str) -> Markup | None:
    runtime = inst.form.extensions.get("flows")
    if runtime is None or table not in runtime.by_table:
        return None
    with inst.form.engine.connect() as conn:
        flows = history(runtime, conn, table, record_id)
    if not flows:
        return None
    for f in flows:
        f["svg"] = Markup(render_svg(f["flow"], lang, current=tuple(f["at"])))
        for d in f["decisions"]:
            d["when"] = pv.local_time(inst.form, d["at"], lang)
        for w in f["waiting"]:
            w["due"] = pv.local_time(inst.form, w["due_at"], lang) if w["due_at"] else None
    return Markup(render_template("tessera/_flow_panel.html", flows=flows, app_name=inst.form.name, inst=inst))


def record_lock(inst, table: str, record_id: int):
    runtime = inst.form.extensions.get("flows")
    if runtime is None:
        return None
    with inst.form.engine.connect() as conn:
        return runtime.lock_of(conn, table, record_id)


def record_buttons(inst, table: str, record_id: int, lang: str) -> list[tuple[str, str]]:
    runtime = inst.form.extensions.get("flows")
    if runtime is None:
        return []
    return [(f.start.button.get(lang), url_for("flows.start_page", app_name=inst.form.name, table=table,
                                                record_id=record_id, name=f.name))
            for f in runtime.buttons(table, current_access(inst))]


def app_links(inst) -> list[tuple[str, str]]:
    runtime = inst.form.extensions.get("flows")
    if runtime is None or not runtime.flows:
        return []
    lang, access = current_lang(), current_access(inst)
    links = [(url_for("flows.inbox", app_name=inst.form.name), word("inbox", lang))]
    links += [(url_for("flows.flow_page", app_name=inst.form.name, name=f.name), f.label.get(lang))
              for f in runtime.flows.values() if access.allows(f.table, "read")]
    return links
