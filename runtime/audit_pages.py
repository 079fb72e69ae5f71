"""The admins' audit log page: every write of every app, searchable, newest first."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from engines.common.locales import format_datetime
from engines.form.ui_text import translate
from engines.form.web import current_lang
from runtime.admin_links import add_admin_link, admins_only

PAGE_SIZE = 50


def audit_blueprint() -> Blueprint:
    bp = Blueprint("audit", __name__, template_folder="templates")
    add_admin_link(bp, "audit_log", "audit.audit_log")   # in the header, for admins
    bp.before_request(admins_only)

    @bp.get("/_audit")
    def audit_log():
        lang = current_lang()
        platform = current_app.extensions["tessera.platform"]
        args = {k: request.args.get(k, "").strip() for k in ("app", "table", "source", "q")}
        try:
            before = int(request.args.get("before", "") or 0) or None
        except ValueError:
            before = None
        with platform.engine.connect() as conn:
            entries = platform.audit.search(conn, app=args["app"], table=args["table"], source=args["source"],
                                            text=args["q"], before_id=before, limit=PAGE_SIZE)
        rows = [_row(platform, e, lang) for e in entries]
        older = (url_for("audit.audit_log", **{k: v for k, v in args.items() if v}, before=entries[-1]["id"])
                 if len(entries) == PAGE_SIZE else None)
        return render_template("tessera/audit.html", rows=rows, args=args, older=older,
                               apps=sorted(platform.apps))

    return bp


def _row(platform, e, lang) -> dict:
    inst = platform.apps.get(e["app"])
    t = inst.form.tables.get(e["tbl"]) if inst else None
    tz = inst.form.timezone if inst else None
    link = (url_for("pages.detail", app_name=e["app"], table=e["tbl"], record_id=e["record_id"])
            if t is not None and e["action"] != "delete" else None)
    fields = t.fields if t is not None else {}
    return {
        "when": format_datetime(e["at"], lang, tz, seconds=True), "who": e.get("actor_name") or "—", "source": e["source"],
        "action": translate("action_" + e["action"], lang),
        "where": f"{e['app']} / {t.label.get(lang) if t else e['tbl']} #{e['record_id']}", "link": link,
        "changes": _imported(e, lang) if e["action"] == "import" else
                   [(fields[k].label.get(lang) if k in fields else k, _text(b), _text(a))
                    for k, (b, a) in e["changes"].items()],
    }


def _imported(e, lang) -> list:
    """A bulk import's entry (runtime/audit.py): which records, as id ranges."""
    runs = ", ".join(f"#{lo}" if lo == hi else f"#{lo}–#{hi}" for lo, hi in e["changes"].get("records", ()))
    return [(translate("records_imported", lang), "—", runs)]


def _text(value) -> str:
    return "—" if value in (None, "", []) else str(value)
