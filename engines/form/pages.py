"""The generated pages of every installed app: home, app home, list, form, detail and delete.

Server-rendered; every write goes through the record service with source="page".
"""
from __future__ import annotations

import mimetypes
import os
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)

from engines.common.labels import LANGUAGES
from engines.form import page_forms as pf
from engines.form import page_views as pv
from engines.form.page_history import record_history
from engines.form.access import Forbidden
from engines.form.errors import Conflict, NotFound, RecordError, ValidationFailed
from engines.form.query import BadQuery, ListRequest, run_list
from engines.form.reading import resolve_links
from engines.form.ui_text import translate, translator
from engines.form.web import current_access, current_actor, current_lang, installed, local_target, visible_apps

RELATED_LIMIT = 20
LANG_COOKIE_AGE = 365 * 24 * 3600


def pages_blueprint() -> Blueprint:
    bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static/tessera")
    bp.app_context_processor(_template_globals)   # also for the runtime's pages (sign-in, errors)
    bp.after_request(_remember_lang)
    bp.register_error_handler(404, not_found_page)
    bp.register_error_handler(NotFound, not_found_page)
    bp.register_error_handler(Forbidden, forbidden_page)

    @bp.get("/")
    def home():
        apps = [{"name": n, "inst": i, "tables": _readable(i)} for n, i in visible_apps().items()]
        return render_template("tessera/home.html", apps=apps)

    @bp.get("/_lang/<lang>")
    def switch_lang(lang):
        resp = redirect(local_target(request.args.get("next")), 303)
        if lang in LANGUAGES:
            resp.set_cookie("lang", lang, max_age=LANG_COOKIE_AGE, samesite="Lax")
        return resp

    @bp.get("/media/<path:path>")
    def media(path):
        inst = installed(path.split("/", 1)[0])
        kind = mimetypes.guess_type(path)[0] or ""
        image = kind.startswith("image/") and kind != "image/svg+xml"
        resp = send_from_directory(os.path.abspath(inst.form.media_dir), path, as_attachment=not image)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    @bp.get("/<app_name>/")
    def app_home(app_name):
        inst = installed(app_name)
        access = current_access(inst)
        tables = _readable(inst)
        with inst.form.engine.connect() as conn:
            counts = {t.name: _count(inst.form, conn, t.name, access) for t in tables}
        # other engines' pages of this app the person may open (dashboards): (href, label) pairs
        links = [link for provide in current_app.extensions.get("tessera.app_links", ()) for link in provide(inst)]
        return render_template("tessera/app.html", app_name=app_name, inst=inst, tables=tables, counts=counts,
                               links=links)

    @bp.get("/<app_name>/<table>/")
    def list_records(app_name, table):
        inst, t = _table(app_name, table)
        form, lang, access = inst.form, current_lang(), current_access(inst)
        access.require(table, "read")
        args = pv.clean_args(request.args)
        cols = pv.columns(form, t, access.hidden(table))
        page, error, sort = None, None, "-id"
        with form.engine.connect() as conn:
            try:
                req = ListRequest.parse(form, t, args)
                sort = req.sort
                page = run_list(form, conn, t, req, access=access)
                resolve_links(form, conn, t, page.records, access)
            except BadQuery as exc:
                error = exc
            filters = pv.filters(form, conn, t, args, lang, access)
        ctx = dict(app_name=app_name, inst=inst, tbl=t, cols=cols, args=args, filters=filters, error=error,
                   can=access.actions(table),
                   filtering=pv.active_filters(args), sort_links=pv.sort_links(app_name, table, args, cols, sort),
                   page=page, rows=pv.rows(form, app_name, t, cols, page.records, lang) if page else [])
        if page is not None:
            ctx["next_url"] = page.next_cursor and pv.list_url(app_name, table, args, after=page.next_cursor)
            ctx["prev_url"] = page.prev_cursor and pv.list_url(app_name, table, args, before=page.prev_cursor)
        return render_template("tessera/list.html", **ctx), 400 if error else 200

    @bp.route("/<app_name>/<table>/new", methods=["GET", "POST"])
    def new_record(app_name, table):
        inst, t = _table(app_name, table)
        access = current_access(inst)
        access.require(table, "create")
        if request.method == "GET":
            return _form_page(inst, app_name, t, "create", kept=pf.initial_values(inst.form, t, request.args, access))
        return _save(inst, app_name, t, "create")

    @bp.get("/<app_name>/<table>/<int:record_id>")
    def detail(app_name, table, record_id):
        inst, t = _table(app_name, table)
        form, lang, access = inst.form, current_lang(), current_access(inst)
        record = inst.records.get(table, record_id, access=access)
        hidden = access.hidden(table)
        with form.engine.connect() as conn:
            resolve_links(form, conn, t, [record], access)
            links = [(o, f) for o, f in form.links_to(table) if access.allows(o, "read")
                     and f not in access.hidden(o)]
            related = [_related(inst, conn, app_name, other, fname, record_id, lang, access,
                                named=sum(o == other for o, _ in links) > 1) for other, fname in links]
            history = record_history(form, conn, app_name, t, record_id, lang, hidden)
        fields = [{"label": f.label.get(lang), "cell": pv.cell(form, app_name, f, record.get(name), lang)}
                  for name, f in t.fields.items() if name not in hidden]
        return render_template("tessera/detail.html", app_name=app_name, inst=inst, tbl=t, record=record,
                               title=pv.record_title(form, t, record, lang), fields=fields, related=related,
                               history=history, can=_record_actions(inst, table, record_id, access),
                               buttons=[b for provide in current_app.extensions.get("tessera.record_buttons", ())
                                        for b in provide(inst, table, record_id, lang)],
                               panels=[p for provide in current_app.extensions.get("tessera.record_panels", ())
                                       for p in [provide(inst, table, record_id, lang)] if p],
                               created=pv.local_time(form, record["created_at"], lang),
                               updated=pv.local_time(form, record["updated_at"], lang))

    @bp.route("/<app_name>/<table>/<int:record_id>/edit", methods=["GET", "POST"])
    def edit_record(app_name, table, record_id):
        inst, t = _table(app_name, table)
        access = current_access(inst)
        record = inst.records.get(table, record_id, access=access)
        inst.records.check(table, record_id, "update", access)
        if request.method == "GET":
            return _form_page(inst, app_name, t, "edit", record=record)
        return _save(inst, app_name, t, "edit", record=record)

    @bp.route("/<app_name>/<table>/<int:record_id>/delete", methods=["GET", "POST"])
    def delete_record(app_name, table, record_id):
        inst, t = _table(app_name, table)
        lang, access = current_lang(), current_access(inst)
        record = inst.records.get(table, record_id, access=access)
        inst.records.check(table, record_id, "delete", access)
        title = pv.record_title(inst.form, t, record, lang)
        problem = None
        if request.method == "POST":
            try:
                inst.records.delete(table, record_id, actor=current_actor(), source="page", access=access)
            except Conflict as exc:
                problem = exc.message.get(lang)
            else:
                flash(translate("deleted", lang, title=title), "success")
                return redirect(url_for("pages.list_records", app_name=app_name, table=table), 303)
        return render_template("tessera/delete.html", app_name=app_name, inst=inst, tbl=t, record=record,
                               title=title, problem=problem), 409 if problem else 200

    return bp


# -- helpers ------------------------------------------------------------------------------------
def _table(app_name, table):
    inst = installed(app_name)
    if table not in inst.form.tables:
        abort(404)
    return inst, inst.form.tables[table]


def _form_page(inst, app_name, t, mode, record=None, kept=None, errors=None, problem=None, status=200):
    lang, access = current_lang(), current_access(inst)
    with inst.form.engine.connect() as conn:
        display = None
        if record is not None:
            display = dict(record)
            resolve_links(inst.form, conn, t, [display], access)
        widgets = pf.widgets(inst.form, conn, app_name, t, mode, lang, record=record, display=display,
                             kept=kept, errors=errors, access=access)
    title = pv.record_title(inst.form, t, record, lang) if record else ""
    return render_template("tessera/form.html", app_name=app_name, inst=inst, tbl=t, mode=mode, record=record,
                           title=title, widgets=widgets, problem=problem, has_errors=bool(errors),
                           multipart=pf.has_files(inst.form, t)), status


def _save(inst, app_name, t, mode, record=None):
    lang, access = current_lang(), current_access(inst)
    values, kept, saved = pf.read_submission(inst.form, app_name, t, mode, request.form, request.files, record,
                                             access)
    try:
        if mode == "create":
            result = inst.records.create(t.name, values, actor=current_actor(), source="page", access=access)
        else:
            result = inst.records.update(t.name, record["id"], values, actor=current_actor(), source="page",
                                         access=access)
    except ValidationFailed as exc:
        pf.discard(saved)
        return _form_page(inst, app_name, t, mode, record=record, kept=kept, errors=exc.fields,
                          status=exc.status)
    except RecordError as exc:
        pf.discard(saved)
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        return _form_page(inst, app_name, t, mode, record=record, kept=kept, problem=exc.message.get(lang),
                          errors=exc.fields, status=exc.status)
    title = pv.record_title(inst.form, t, result, lang)
    flash(translate("created" if mode == "create" else "updated", lang, title=title), "success")
    return redirect(url_for("pages.detail", app_name=app_name, table=t.name, record_id=result["id"]), 303)


def _related(inst, conn, app_name, other, fname, record_id, lang, access, named=False) -> dict:
    """The first records of `other` whose link `fname` points at this record (those the person may read)."""
    form = inst.form
    ot = form.tables[other]
    page = run_list(form, conn, ot, ListRequest(filters=[(fname, "eq", record_id)], limit=RELATED_LIMIT),
                    access=access)
    resolve_links(form, conn, ot, page.records, access)
    cols = [c for c in pv.columns(form, ot, access.hidden(other)) if c["name"] != fname]
    label = ot.label.get(lang)
    if named:       # two links from the same table: say which one
        label = f"{label} · {ot.fields[fname].label.get(lang)}"
    list_base = url_for("pages.list_records", app_name=app_name, table=other)
    return {"label": label, "total": page.total, "cols": cols,
            "rows": pv.rows(form, app_name, ot, cols, page.records, lang), "can_create": access.allows(other, "create"),
            "list_url": f"{list_base}?{fname}={record_id}",
            "new_url": url_for("pages.new_record", app_name=app_name, table=other) + f"?{fname}={record_id}"}


def _readable(inst) -> list:
    access = current_access(inst)
    return [t for t in inst.form.tables.values() if access.allows(t.name, "read")]


def _count(form, conn, table, access) -> int:
    stmt = sa.select(sa.func.count()).select_from(form.sql[table])
    scope = access.rows(table, "read")
    return conn.execute(stmt if scope is None else stmt.where(scope)).scalar_one()


def _record_actions(inst, table, record_id, access) -> dict:
    """Which of edit/delete the person may do to this record (the buttons the detail page shows): none
    while another engine holds it (a flow's lock: "tessera.record_locks" says why)."""
    out = {}
    for held in current_app.extensions.get("tessera.record_locks", ()):
        why = held(inst, table, record_id)
        if why is not None:
            return {"update": False, "delete": False, "locked": why.get(current_lang())}
    for action in ("update", "delete"):
        try:
            inst.records.check(table, record_id, action, access)
            out[action] = True
        except RecordError:
            out[action] = False
    return out


def _template_globals() -> dict:
    lang = current_lang()
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "lang"])
    return {"lang": lang, "t": translator(lang), "other_lang": "en" if lang == "zh" else "zh",
            "here": f"{request.path}?{query}" if query else request.path}


def _remember_lang(resp):
    lang = request.args.get("lang")
    if lang in LANGUAGES and request.cookies.get("lang") != lang:
        resp.set_cookie("lang", lang, max_age=LANG_COOKIE_AGE, samesite="Lax")
    return resp


def forbidden_page(exc):
    lang = current_lang()
    return render_template("tessera/error.html", heading=translate("not_allowed", lang),
                           message=exc.message.get(lang)), 403


def not_found_page(exc):
    lang = current_lang()
    message = exc.message.get(lang) if isinstance(exc, RecordError) else translate("not_found_text", lang)
    return render_template("tessera/error.html", heading=translate("not_found", lang), message=message), 404
