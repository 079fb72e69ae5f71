"""The list page's Import and Export: upload -> match columns -> dry run report -> import with
progress (the page polls a JSON status), the failed rows as a file; exports with the list's filters.

Import needs `create` on the table (and `update` for update/upsert), export needs `read`: the same
Access as every other page, so a role without them gets 403. A job is seen only by who started it
(and administrators): its report holds the uploaded rows.
"""
from __future__ import annotations

import os
import threading
import uuid

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, stream_with_context, url_for

from engines.form import page_views as pv
from engines.form.access import Access, Forbidden
from engines.form.errors import RecordError
from engines.form.query import BadQuery, ListRequest, _refuse_hidden
from engines.form.transfer import export as ex
from engines.form.transfer import service
from engines.form.transfer.columns import ID, targets
from engines.form.transfer.importer import MODES
from engines.form.transfer.jobs import Jobs, status_json
from engines.form.transfer.sources import format_of
from engines.form.transfer.template import template_workbook
from engines.form.web import current_access, current_actor, current_lang, installed

SHOWN_ERRORS = 200
XLSX = ex.MEDIA_TYPES["xlsx"]


def transfer_blueprint() -> Blueprint:
    bp = Blueprint("transfer", __name__)
    bp.register_error_handler(Forbidden, _forbidden)

    @bp.get("/<app_name>/<table>/export.<fmt>")
    def export(app_name, table, fmt):
        inst, t = _table(app_name, table)
        if fmt not in ex.MEDIA_TYPES:
            abort(404)
        access, lang = current_access(inst), current_lang()
        access.require(table, "read")
        try:
            req = ListRequest.parse(inst.form, t, pv.clean_args(request.args))
        except BadQuery as exc:
            return _problem(exc, 400)
        try:
            _refuse_hidden(req, access.hidden(table))
        except BadQuery as exc:
            return _problem(exc, 400)
        body = ex.csv_stream(inst.form, t, req, lang, access) if fmt == "csv" \
            else ex.xlsx_stream(inst.form, t, req, lang, access)
        resp = Response(stream_with_context(body), mimetype=ex.MEDIA_TYPES[fmt])
        resp.headers["Content-Disposition"] = f'attachment; filename="{ex.filename(t, fmt)}"'
        return resp

    @bp.get("/<app_name>/<table>/import/template.xlsx")
    def template(app_name, table):
        inst, t = _importer(app_name, table)
        data = template_workbook(inst.form, table, current_lang(), current_access(inst))
        resp = Response(data, mimetype=XLSX)
        resp.headers["Content-Disposition"] = f'attachment; filename="{table}-template.xlsx"'
        return resp

    @bp.route("/<app_name>/<table>/import", methods=["GET", "POST"])
    def upload(app_name, table):
        inst, t = _importer(app_name, table)
        if request.method == "GET":
            return _upload_page(inst, app_name, t)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return _upload_page(inst, app_name, t, "choose_file", 400)
        try:
            format_of(upload.filename)
        except RecordError as exc:
            return _upload_page(inst, app_name, t, exc.message.get(current_lang()), 400)
        path = _stored_path(inst, app_name, upload.filename)
        upload.save(path)
        try:
            job_id = service.prepare(inst, table, path, os.path.basename(upload.filename),
                                     mode=_choice(request.form.get("mode"), MODES, "insert"),
                                     key=request.form.get("key") or None, rules=bool(request.form.get("rules")),
                                     actor=current_actor(), access=current_access(inst))
        except RecordError as exc:
            os.remove(path)
            if isinstance(exc, Forbidden):
                raise
            return _upload_page(inst, app_name, t, exc.message.get(current_lang()), 400)
        return redirect(url_for("transfer.job", app_name=app_name, table=table, job_id=job_id), 303)

    @bp.get("/<app_name>/<table>/import/<int:job_id>")
    def job(app_name, table, job_id):
        inst, t = _importer(app_name, table)
        return _job_page(inst, app_name, t, _own_job(inst, table, job_id))

    @bp.post("/<app_name>/<table>/import/<int:job_id>/<any(check, run):step>")
    def start(app_name, table, job_id, step):
        inst, t = _importer(app_name, table)
        job = _own_job(inst, table, job_id)
        access = current_access(inst)
        if job["status"] in ("checking", "running") and not _stale(job):
            return redirect(url_for("transfer.job", app_name=app_name, table=table, job_id=job_id), 303)
        if job["last_row"] <= 1 and "mode" in request.form:      # the mapping step (not on a resume)
            available = targets(inst.form, table, access)
            mapping = {i: (request.form.get(f"col{i}") or None) for i in range(len(job["options"]["headers"]))}
            if any(n is not None and n not in available for n in mapping.values()):
                abort(400)
            mode = _choice(request.form.get("mode"), MODES, "insert")
            service.remap(inst, job_id, mapping, mode=mode, key=request.form.get("key") or None,
                          rules=bool(request.form.get("rules")))
            job = Jobs(inst.form).get(job_id)
        try:
            service.importer_for(inst, job, access)      # the mapping, key and permissions, before a thread
        except RecordError as exc:
            if isinstance(exc, Forbidden):
                raise
            return _job_page(inst, app_name, t, job, problem=exc.message.get(current_lang()), status=400)
        Jobs(inst.form).set(job_id, status="checking" if step == "check" else "running", message=None)
        worker = threading.Thread(target=_work, name=f"import-{job_id}", daemon=True,
                                  args=(inst, job_id, step, _detached(access), current_actor()))
        worker.start()
        return redirect(url_for("transfer.job", app_name=app_name, table=table, job_id=job_id), 303)

    @bp.get("/<app_name>/<table>/import/<int:job_id>/status")
    def status(app_name, table, job_id):
        inst, _t = _importer(app_name, table)
        return jsonify(status_json(_own_job(inst, table, job_id)))

    @bp.get("/<app_name>/<table>/import/<int:job_id>/failed.csv")
    def failed(app_name, table, job_id):
        inst, _t = _importer(app_name, table)
        job = _own_job(inst, table, job_id)
        dry = request.args.get("dry") == "1"
        body = Jobs(inst.form).failed_rows_csv(job_id, job["options"]["headers"], current_lang(), dry=dry)
        resp = Response(stream_with_context(body), mimetype=ex.MEDIA_TYPES["csv"])
        resp.headers["Content-Disposition"] = f'attachment; filename="{table}-failed-{job_id}.csv"'
        return resp

    return bp


# -- pages --------------------------------------------------------------------------------------
def _upload_page(inst, app_name, t, problem=None, status=200):
    lang = current_lang()
    if problem in ("choose_file",):
        from engines.form.ui_text import translate
        problem = translate(problem, lang)
    return render_template("tessera/import.html", app_name=app_name, inst=inst, tbl=t, problem=problem,
                           keys=_keys(inst, t), modes=MODES, job=None,
                           jobs=[j for j in Jobs(inst.form).recent(t.name) if _mine(j)]), status


def _job_page(inst, app_name, t, job, problem=None, status=200):
    lang = current_lang()
    access = current_access(inst)
    available = targets(inst.form, t.name, access)
    headers = job["options"]["headers"]
    mapping = job["options"]["mapping"]
    columns = [{"index": i, "header": h, "target": mapping.get(str(i))} for i, h in enumerate(headers)]
    dry = job["status"] in ("checking", "checked") or (job["status"] == "failed" and job["last_row"] <= 1
                                                        and job["inserted"] + job["updated"] == 0)
    errors = Jobs(inst.form).failures(job["id"], dry=dry, limit=SHOWN_ERRORS)
    return render_template("tessera/import_job.html", app_name=app_name, inst=inst, tbl=t, job=job, dry=dry,
                           columns=columns, choices=[(n, tg.label.get(lang)) for n, tg in available.items()],
                           errors=errors, problem=problem, keys=_keys(inst, t), modes=MODES,
                           editable=job["last_row"] <= 1 and job["status"] not in ("checking", "running", "done"),
                           stale=_stale(job), shown=SHOWN_ERRORS), status


def _keys(inst, t):
    lang = current_lang()
    return [(ID, "ID")] + [(n, f.label.get(lang)) for n, f in t.fields.items() if f.unique]


# -- the work -------------------------------------------------------------------------------------
def _work(inst, job_id, step, access, actor):
    """The dry run or the import, in a thread of this process; the page polls its progress. If the
    process dies, the job keeps its last committed row and the page offers to resume it."""
    try:
        (service.check if step == "check" else service.run)(inst, job_id, access=access, actor=actor)
    except Exception:       # noqa: BLE001 - the job row says what happened (service._failed)
        pass


def _detached(access: Access) -> Access:
    """The person's permissions for a thread that outlives the request."""
    return Access(access.form, roles=access.roles, user_id=access.user_id, username=access.username,
                  unrestricted=access.unrestricted)


def _stale(job) -> bool:
    """A job that says it is busy but has not moved for a while: its process has gone."""
    import datetime as dt

    if job["status"] not in ("checking", "running"):
        return False
    age = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - job["updated_at"]
    return age.total_seconds() > 60


# -- helpers ------------------------------------------------------------------------------------
def _table(app_name, table):
    inst = installed(app_name)
    if table not in inst.form.tables:
        abort(404)
    return inst, inst.form.tables[table]


def _importer(app_name, table):
    inst, t = _table(app_name, table)
    current_access(inst).require(table, "create")
    return inst, t


def _own_job(inst, table, job_id):
    job = Jobs(inst.form).get(job_id)
    if job is None or job["tbl"] != table or not _mine(job):
        abort(404)
    return job


def _mine(job) -> bool:
    from engines.form.web import current_user

    user = current_user()
    return user is None or getattr(user, "is_admin", False) or job["created_by"] == getattr(user, "id", None)


def _stored_path(inst, app_name, filename) -> str:
    """Uploads wait next to the media folder (never served): var/imports/<app>/<random>.<ext>."""
    folder = os.path.join(os.path.dirname(os.path.abspath(inst.form.media_dir)), "imports", app_name)
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"{uuid.uuid4().hex}.{format_of(filename)}")


def _choice(value, allowed, default):
    return value if value in allowed else default


def _problem(exc, status):
    lang = current_lang()
    return jsonify(error={"code": exc.code, "message": exc.message.get(lang),
                          "fields": {k: v.get(lang) for k, v in exc.fields.items()}}), status


def _forbidden(exc):
    lang = current_lang()
    if request.path.endswith("/status"):
        return jsonify(error={"code": exc.code, "message": exc.message.get(lang)}), 403
    from engines.form.ui_text import translate
    return render_template("tessera/error.html", heading=translate("not_allowed", lang),
                           message=exc.message.get(lang)), 403
