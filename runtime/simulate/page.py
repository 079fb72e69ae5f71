"""/_admin/simulate/<app>: the simulation from the browser, beside the definition upload of
/_admin/apps. The admin sends a new definition and a period; the simulation runs in the background
(runtime/simulate/runs.py) and /_admin/simulate/<app>/runs/<id> shows its progress, then the report
as a dashboard (or as JSON with ?format=json). A POST with ?format=json runs in the request and
answers with the report, for scripts."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from types import MappingProxyType

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

from builder import BuildFailed, compile_app
from engines.common.labels import msg
from engines.form.web import current_actor, current_lang
from runtime.admin_links import admins_only
from runtime.designer.checking import error_place
from runtime.simulate.errors import SimulationError
from runtime.simulate.report import point_value
from runtime.simulate.runs import SimulationRuns
from runtime.simulate.run import simulate_apps

MAX_DEFINITION = 5 * 1024 * 1024
FROM_EDITOR = " (YAML editor, not saved)"      # after the file's name: the text the YAML editor sent

TEXT = MappingProxyType({
    "heading": msg("Simulate rules on past events", "用历史事件模拟规则"),
    "intro": msg("The period's recorded orders, check-ins, events and scheduled runs are replayed through the "
                 "new definition's rules on a copy of the database. Nothing live is changed and no message is sent.",
                 "将该期间记录的订单、签到、外部事件和定时任务，在数据库副本上按新定义的规则重放。"
                 "不改动线上数据，也不发送任何消息。"),
    "definition": msg("New definition", "新的定义文件"), "from": msg("From", "开始日期"), "to": msg("To", "结束日期"),
    "point_value": msg("Value of one point", "每积分价值"), "run": msg("Simulate", "开始模拟"),
    "actual": msg("Actual", "实际"), "simulated": msg("Simulated", "模拟"), "change": msg("Change", "变化"),
    "issued": msg("Points issued", "发放积分"), "spent": msg("Points spent", "消耗积分"),
    "expired": msg("Points expired", "过期积分"), "outstanding": msg("Outstanding points", "未使用积分"),
    "liability": msg("Liability", "积分负债"), "day": msg("Day", "日期"), "tier": msg("Tier", "等级"),
    "tier_changes": msg("Members whose tier would differ", "等级会不同的会员"),
    "differences": msg("Largest differences per member", "会员积分差异最大"),
    "member": msg("Member", "会员"), "difference": msg("Difference", "差异"),
    "messages": msg("Messages that would have been sent", "将会发送的消息"),
    "failed": msg("Rules that would have failed", "会失败的规则"), "rule": msg("Rule", "规则"),
    "error": msg("Error", "错误"), "count": msg("Times", "次数"),
    "refused": msg("Events the new rules refuse", "新规则会拒绝的事件"),
    "as_live": msg("{n} button press(es) refused live were refused again (not counted above).",
                   "另有 {n} 次在线上被拒绝的按钮操作，重放时同样被拒绝（未计入上面）。"),
    "events": msg("Events replayed", "重放的事件"), "none": msg("None.", "无。"),
    "quick": msg("{n} in memory (the quick replay of updates)", "其中 {n} 个在内存中快速重放（更新类事件）"),
    "no_file": msg("Choose a definition file (.yaml) first.", "请先选择定义文件（.yaml）。"),
    "too_big": msg("The file is larger than 5 MB.", "文件超过 5 MB。"),
    "bad_date": msg("Give both dates, as 2026-07-01.", "请填写两个日期，格式如 2026-07-01。"),
    "bad_value": msg("The value of a point must be an amount such as 0.01 (zero or more).",
                      "每积分价值须为不小于零的金额，例如 0.01。"),
    "channel": msg("Channel", "渠道"), "recipient": msg("Recipient", "接收人"), "subject": msg("Subject", "主题"),
    "at": msg("At (UTC)", "时间（UTC）"),
    "bad_order": msg("The last day comes before the first.", "结束日期早于开始日期。"),
    "preparing": msg("Copying the database and noting the period's events…", "正在复制数据库并整理该期间的事件……"),
    "replaying": msg("Replaying: {done} of {total} events", "正在重放：第 {done} / {total} 个事件"),
    "stopped": msg("The simulation stopped (its server process went away). Start it again.",
                   "模拟已中止（运行它的服务进程已退出），请重新开始。"),
    "json": msg("Download the report (JSON)", "下载报告（JSON）"),
    "from_editor": msg(FROM_EDITOR, "（YAML 编辑器中的文本，未保存）"),
    "failed_run": msg("The simulation could not run:", "模拟无法运行："),
})


def simulate_blueprint() -> Blueprint:
    bp = Blueprint("simulate", __name__, template_folder="templates")
    bp.before_request(admins_only)

    @bp.get("/_admin/simulate/<app_name>")
    def form(app_name):
        _served(app_name)
        return _page(app_name)

    @bp.post("/_admin/simulate/<app_name>")
    def run(app_name):
        inst = _served(app_name)
        lang = current_lang()
        fields = {k: request.form.get(k, "").strip() for k in ("from", "to", "point_value")}
        problems = {}
        try:
            first, last = dt.date.fromisoformat(fields["from"]), dt.date.fromisoformat(fields["to"])
        except ValueError:
            problems["from"] = TEXT["bad_date"].get(lang)
        value = point_value(fields["point_value"] or "0.01")
        if value is None:
            problems["point_value"] = TEXT["bad_value"].get(lang)
        data, name, file = _sent_definition(inst)
        if not data:
            problems["definition"] = TEXT["no_file"].get(lang)
        elif len(data) > MAX_DEFINITION:
            problems["definition"] = TEXT["too_big"].get(lang)
        if problems:
            return _answer(app_name, fields, problems=problems), 400
        if last < first:
            return _answer(app_name, fields, problems={"from": TEXT["bad_order"].get(lang)}), 400
        platform = current_app.extensions["tessera.platform"]
        try:
            new_app = _compile_beside(inst.app.source, data, file)
            if request.args.get("format") != "json":     # the page: in the background, then its progress
                run_id = SimulationRuns(platform).start(inst.app, new_app, first, last, value, name,
                                                        current_actor())
                return redirect(url_for("simulate.progress", app_name=app_name, run_id=run_id), 303)
            report = simulate_apps(platform.engine.url.render_as_string(hide_password=False), inst.app, new_app,
                                   first, last, point_value=value, media_dir=platform.media_dir)
        except SimulationError as exc:
            return _answer(app_name, fields, problems={"definition": str(exc)}), 422
        report["definition"] = name        # the sent file, not the temporary copy compiled
        return _answer(app_name, fields, report=report)

    @bp.get("/_admin/simulate/<app_name>/runs/<int:run_id>")
    def progress(app_name, run_id):
        _served(app_name)
        run = SimulationRuns(current_app.extensions["tessera.platform"]).get(run_id, app_name)
        if run is None:
            abort(404)
        if request.args.get("format") == "json":
            return jsonify({k: _plain(v) for k, v in run.items()})
        fields = {"from": run["first_day"].isoformat(), "to": run["last_day"].isoformat()}
        problems = ({"definition": f"{TEXT['failed_run'].get(current_lang())}\n{run['error']}"}
                    if run["status"] == "failed" else None)
        return _page(app_name, fields, run["report"], problems, run=run)

    return bp


def _plain(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _served(app_name):
    inst = current_app.extensions["tessera.apps"].get(app_name)
    if inst is None:
        abort(404)
    return inst


def _sent_definition(inst) -> tuple[bytes, str, str]:
    """The new definition, its name in the report and the file its errors name: an uploaded file, or
    the YAML editor's text (not saved: /_admin/designer/<app>/yaml posts what it shows, so a change
    is simulated before it goes live; its lines are the live file's)."""
    sent = request.files.get("definition")
    if sent is not None and sent.filename:
        return sent.read(MAX_DEFINITION + 1), sent.filename, sent.filename
    file = os.path.basename(inst.app.source)
    return request.form.get("definition_text", "").encode("utf-8"), file + FROM_EDITOR, file


def _compile_beside(source: str, data: bytes, file: str):
    """Compile the sent definition from beside the live one, so its includes resolve as the live one's;
    its errors name it as sent (`file`), not the temporary copy."""
    folder = os.path.dirname(os.path.abspath(source))
    fd, path = tempfile.mkstemp(prefix=".simulate-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return compile_app(path)
    except BuildFailed as exc:
        raise SimulationError("\n".join(error_place(e, path, file)["text"] for e in exc.errors)) from None
    finally:
        os.unlink(path)


def _answer(app_name, fields, report=None, problems=None):
    if request.args.get("format") == "json":
        if problems:
            return jsonify(error={"message": "the simulation cannot run", "fields": problems})
        return jsonify(report)
    return _page(app_name, fields, report, problems)


def _page(app_name, fields=None, report=None, problems=None, run=None):
    lang = current_lang()
    txt = {k: v.get(lang) for k, v in TEXT.items()}
    shown = report["definition"].replace(FROM_EDITOR, txt["from_editor"]) if report and report.get("definition") else None
    return render_template("tessera/simulate.html", app_name=app_name, fields=fields or {}, report=report,
                           problems=problems or {}, run=run, txt=txt, definition=shown)
