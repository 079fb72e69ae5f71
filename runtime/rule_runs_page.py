"""The admins' run log page: every rule run, newest first, filtered by app, rule and outcome; above it,
the scheduled rules held back after failing again and again, each with a button to resume it."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from engines.common.locales import format_datetime
from engines.form.ui_text import translate
from engines.form.web import current_lang
from engines.rules import held, runlog
from runtime.admin_links import add_admin_link, admins_only

PAGE_SIZE = 100


def rule_runs_blueprint() -> Blueprint:
    bp = Blueprint("rule_runs", __name__, template_folder="templates")
    add_admin_link(bp, "rule_runs", "rule_runs.rule_runs")
    bp.before_request(admins_only)

    @bp.get("/_admin/rules")
    def rule_runs():
        lang = current_lang()
        platform = current_app.extensions["tessera.platform"]
        args = {k: request.args.get(k, "").strip() for k in ("app", "rule", "outcome")}
        with platform.engine.connect() as conn:
            rows = runlog.recent(conn, platform.rule_runs, limit=PAGE_SIZE, **args)
            stopped = held.held_rules(conn, platform.metadata)
        for r in rows:
            inst = platform.apps.get(r["app"])
            r["when"] = format_datetime(r["at"], lang, inst.form.timezone if inst else None, seconds=True)
        for r in stopped:
            inst = platform.apps.get(r["app"])
            r["since"] = format_datetime(r["held_at"], lang, inst.form.timezone if inst else None)
        rules = sorted({(name, r.name) for name, inst in platform.apps.items() for r in inst.app.rules})
        return render_template("tessera/rule_runs.html", rows=rows, args=args, apps=sorted(platform.apps),
                               rules=rules, held=stopped, limit=held.FAILURE_LIMIT)

    @bp.post("/_admin/rules/resume")
    def resume():
        platform = current_app.extensions["tessera.platform"]
        inst = platform.apps.get(request.form.get("app", ""))
        rule = next((r for r in inst.app.rules if r.name == request.form.get("rule")), None) if inst else None
        if rule is None:
            abort(404)
        if held.release(platform.engine, platform.metadata, inst.form.name, rule):
            flash(translate("rule_resumed", current_lang(), rule=rule.name), "success")
        return redirect(url_for("rule_runs.rule_runs"), 303)

    return bp
