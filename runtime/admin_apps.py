"""/_admin/apps: the installed apps (version, definition hash) and, for admins, the upload of a new
definition for an app this server runs: compiled, migrated and swapped in by the reloader, or
refused with its errors (file:line:col) while the old version keeps serving."""
from __future__ import annotations

from types import MappingProxyType

from flask import Blueprint, abort, current_app, render_template, request

from engines.common.labels import msg
from engines.form.web import current_lang
from runtime.admin_links import add_admin_link, admins_only
from runtime.lifecycle import installed_rows

MAX_DEFINITION = 5 * 1024 * 1024    # the loader's own limit per file

TEXT = MappingProxyType({
    "heading": msg("Installed apps", "已安装的应用"),
    "app": msg("App", "应用"),
    "version": msg("Version", "版本"),
    "hash": msg("Definition hash", "定义哈希"),
    "updated": msg("Updated (UTC)", "更新时间（UTC）"),
    "status": msg("Status", "状态"),
    "file": msg("Definition file", "定义文件"),
    "served": msg("running here", "本服务器运行中"),
    "uninstalled": msg("uninstalled, data kept", "已卸载，数据保留"),
    "elsewhere": msg("not run by this server", "本服务器未运行"),
    "upload": msg("New definition", "新的定义文件"),
    "apply": msg("Check and apply", "校验并应用"),
    "simulate": msg("Simulate on past events", "用历史事件模拟"),
    "upload_help": msg("The file is checked, the database upgraded (additions and renamed_from renames only) "
                       "and the app switched over without a restart. Removals and type changes need "
                       "`tessera upgrade FILE --allow-destructive`.",
                       "文件会先校验，再升级数据库（仅新增和 renamed_from 重命名），应用无需重启即切换。"
                       "删除字段或修改类型需使用 `tessera upgrade FILE --allow-destructive`。"),
    "no_file": msg("Choose a definition file (.yaml) first.", "请先选择定义文件（.yaml）。"),
    "too_big": msg("The file is larger than 5 MB.", "文件超过 5 MB。"),
})


def admin_apps_blueprint() -> Blueprint:
    bp = Blueprint("admin_apps", __name__, template_folder="templates")
    add_admin_link(bp, "apps", "admin_apps.apps")
    bp.before_request(admins_only)

    @bp.get("/_admin/apps")
    def apps():
        return _page()

    @bp.post("/_admin/apps/<app_name>")
    def upload(app_name):
        lang = current_lang()
        if app_name not in current_app.extensions["tessera.apps"]:
            abort(404)
        sent = request.files.get("definition")
        if sent is None or not sent.filename:
            return _page(target=app_name, problem=TEXT["no_file"].get(lang)), 400
        data = sent.read(MAX_DEFINITION + 1)
        if len(data) > MAX_DEFINITION:
            return _page(target=app_name, problem=TEXT["too_big"].get(lang)), 400
        outcome = current_app.extensions["tessera.reloader"].upload(app_name, data, sent.filename)
        return _page(target=app_name, outcome=outcome), 200 if outcome.ok else 422

    return bp


def _page(target: str | None = None, outcome=None, problem: str | None = None):
    lang = current_lang()
    platform = current_app.extensions["tessera.platform"]
    served = current_app.extensions["tessera.apps"]
    rows = []
    for name, row in installed_rows(platform).items():
        inst = served.get(name)
        status = ("uninstalled" if row.uninstalled_at is not None else "served" if inst is not None else "elsewhere")
        rows.append({"name": name, "title": inst.app.title.get(lang) if inst else name, "version": row.version,
                     "hash": row.definition_hash[:12], "updated": row.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
                     "status": TEXT[status].get(lang), "file": inst.app.source if inst else row.source,
                     "upload": status == "served"})
    return render_template("tessera/admin_apps.html", rows=rows, target=target, outcome=outcome, problem=problem,
                           txt={k: v.get(lang) for k, v in TEXT.items()})
