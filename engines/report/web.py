"""Dashboards on the web: a page per dashboard (/<app>/dashboards/<name>), its JSON API
(/api/<app>/dashboards/<name>[/charts/<chart>]), each chart's data as CSV and XLSX, and plotly's
JavaScript served from the installed plotly package (pages work without the internet)."""
from __future__ import annotations

import os

import plotly
import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template, request, send_from_directory, url_for

from engines.form.web import current_access, current_lang, current_user, installed
from engines.report.buckets import BadRange, parse_range
from engines.report.export import table, to_csv, to_xlsx
from engines.report.model import RANGES
from engines.report.query import View
from engines.report.words import word

PLOTLY_DIR = os.path.join(os.path.dirname(plotly.__file__), "package_data")
MAX_OPTIONS = 200


def report_blueprint() -> Blueprint:
    bp = Blueprint("reports", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static/report")

    @bp.get("/static/report/plotly.min.js")
    def plotly_js():
        return send_from_directory(PLOTLY_DIR, "plotly.min.js", max_age=86400)

    @bp.get("/<app_name>/dashboards/")
    def index(app_name):
        inst = installed(app_name)
        boards = [d for d in _runtime(inst).dashboards.values() if _may_open(inst, d)]
        return render_template("tessera/dashboards.html", app_name=app_name, inst=inst, boards=boards, w=_w())

    @bp.get("/<app_name>/dashboards/<name>")
    def page(app_name, name):
        inst, board = _dashboard(app_name, name)
        lang = current_lang()
        try:
            view = _view(inst, board, board.charts.values())
        except BadRange as exc:
            abort(400, description=str(exc))
        return render_template("tessera/dashboard.html", app_name=app_name, inst=inst, board=board, w=_w(),
                               filters=_filter_boxes(inst, board, lang), ranges=RANGES, args=request.args,
                               view=view, query=request.query_string.decode())

    @bp.get("/api/<app_name>/dashboards/<name>")
    def api_dashboard(app_name, name):
        inst, board = _dashboard(app_name, name)
        jobs = [(c, _checked_view(inst, board, c)) for c in board.charts.values()]
        try:
            found = _runtime(inst).rows_of(board, jobs)      # the charts' statements side by side
        except BadRange as exc:
            abort(400, description=str(exc))
        charts = {c.name: _chart_json(inst, board, c, found[c.name]) for c in board.charts.values()}
        return jsonify(dashboard=board.name, label=board.label.get(current_lang()), refresh=board.refresh,
                       charts=charts)

    @bp.get("/api/<app_name>/dashboards/<name>/charts/<chart>")
    def api_chart(app_name, name, chart):
        inst, board = _dashboard(app_name, name)
        return jsonify(_chart_json(inst, board, _chart(board, chart)))

    @bp.get("/<app_name>/dashboards/<name>/charts/<chart>.<fmt>")
    def download(app_name, name, chart, fmt):
        inst, board = _dashboard(app_name, name)
        c = _chart(board, chart)
        if fmt not in ("csv", "xlsx"):
            abort(404)
        lang = current_lang()
        header, rows = table(_rows(inst, board, c), c, inst.app.reports.datasets[c.dataset], lang)
        filename = f"{board.name}-{c.name}.{fmt}"
        if fmt == "csv":
            body, kind = to_csv(header, rows), "text/csv; charset=utf-8"
        else:
            body, kind = to_xlsx(header, rows, c.title.get(lang)), \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return bp


def _w():
    lang = current_lang()
    return lambda key, **values: word(key, lang, **values)


def _runtime(inst):
    return inst.form.extensions["reports"]


def _may_open(inst, board) -> bool:
    user = current_user()
    if user is None or getattr(user, "is_admin", False):
        return True
    return bool(set(user.roles.get(inst.app.name, ())) & set(board.roles))


def dashboard_links(inst) -> list[tuple[str, str]]:
    """The app home's link to its dashboards, for those who may open one of them."""
    runtime = inst.form.extensions.get("reports")
    if runtime is None or not any(_may_open(inst, d) for d in runtime.dashboards.values()):
        return []
    return [(url_for("reports.index", app_name=inst.app.name), word("dashboards", current_lang()))]


def _dashboard(app_name, name):
    """The dashboard, or 404: also for one the viewer may not open (its existence is not theirs)."""
    inst = installed(app_name)
    board = _runtime(inst).dashboards.get(name)
    if board is None or not _may_open(inst, board):
        abort(404, description=word("no_dashboard", current_lang()))
    return inst, board


def _chart(board, name):
    if name not in board.charts:
        abort(404, description=word("no_chart", current_lang()))
    return board.charts[name]


def _view(inst, board, charts) -> View:
    args = request.args
    start, end = parse_range(args, board.range, inst.form.timezone)
    filters = {f: tuple(v for v in args.getlist(f"f.{f}") if v) for f in board.filters}
    params = {p.name: args.get(f"p.{p.name}", p.default) or p.default for p in board.params.values()}
    for p in board.params.values():
        if p.type == "number" and params[p.name] not in (None, ""):
            try:
                params[p.name] = float(params[p.name])
            except (TypeError, ValueError):
                raise BadRange(f"'{p.name}' must be a number") from None
    access = current_access(inst)
    tables = {inst.app.reports.datasets[c.dataset].table for c in charts}
    return View(start=start, end=end, filters={k: v for k, v in filters.items() if v}, params=params,
                rows={t: access.rows(t) for t in tables})


def _checked_view(inst, board, chart) -> View:
    try:
        return _view(inst, board, [chart])
    except BadRange as exc:
        abort(400, description=str(exc))


def _rows(inst, board, chart):
    try:
        return _runtime(inst).rows(board, chart, _checked_view(inst, board, chart))
    except BadRange as exc:
        abort(400, description=str(exc))


def _chart_json(inst, board, chart, found=None) -> dict:
    lang = current_lang()
    runtime = _runtime(inst)
    found = _rows(inst, board, chart) if found is None else found
    header, rows = table(found, chart, inst.app.reports.datasets[chart.dataset], lang)
    return {"name": chart.name, "type": chart.type, "title": chart.title.get(lang),
            "empty": word("no_data", lang) if not rows else None,
            "figure": runtime.figure_of(chart, found, lang), "columns": header,
            "rows": [[str(v) if v is not None and not isinstance(v, (int, float, str)) else v for v in r]
                     for r in rows]}


def _filter_boxes(inst, board, lang) -> list[dict]:
    """Each global filter: its label and, for option and link fields, the values to pick from."""
    out = []
    datasets = [inst.app.reports.datasets[c.dataset] for c in board.charts.values()]
    for name in board.filters:
        ref = next(ds.dimensions[name] for ds in datasets if name in ds.dimensions)
        f = ref.field
        box = {"name": name, "label": f.label.get(lang) if f is not None and not ref.part else name, "options": None,
               "chosen": request.args.getlist(f"f.{name}")}
        if f is not None and f.options and not ref.part:
            box["options"] = [(o.key, o.label.get(lang)) for o in f.options]
        elif f is not None and f.type == "link" and current_access(inst).can_see_titles(f.table):
            target = inst.form.tables[f.table]
            sql = inst.form.sql[f.table]
            title = sql.c[target.title_field] if target.title_field in sql.c else sql.c.id
            with inst.form.engine.connect() as conn:
                box["options"] = [(str(i), str(t)) for i, t in
                                  conn.execute(sa.select(sql.c.id, title).order_by(title).limit(MAX_OPTIONS))]
        out.append(box)
    return out
