"""The admins' run log page: every rule run, newest first, filtered by app, rule and outcome."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from engines.common.locales import format_datetime
from engines.form.web import current_lang
from engines.rules import runlog
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
        for r in rows:
            inst = platform.apps.get(r["app"])
            r["when"] = format_datetime(r["at"], lang, inst.form.timezone if inst else None, seconds=True)
        rules = sorted({(name, r.name) for name, inst in platform.apps.items() for r in inst.app.rules})
        return render_template("tessera/rule_runs.html", rows=rows, args=args, apps=sorted(platform.apps),
                               rules=rules)

    return bp
