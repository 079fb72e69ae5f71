"""A record's history (from the platform's audit log, when one is installed) as the detail page shows it."""
from __future__ import annotations

from flask import current_app

from engines.form.page_views import local_time
from engines.form.ui_text import translate

HISTORY_LIMIT = 20


def record_history(form, conn, app_name, t, record_id, lang) -> list[dict] | None:
    """None when the hosting platform keeps no audit log."""
    audit = current_app.extensions.get("tessera.audit")
    if audit is None:
        return None
    return [{
        "when": local_time(form, e["at"]),
        "who": e.get("actor_name") or "—",
        "source": e["source"],
        "action": translate("action_" + e["action"], lang),
        "changes": [{"label": t.fields[name].label.get(lang) if name in t.fields else name,
                     "before": _show(t.fields.get(name), before, lang),
                     "after": _show(t.fields.get(name), after, lang)}
                    for name, (before, after) in e["changes"].items()],
    } for e in audit.history(conn, app_name, t.name, record_id, limit=HISTORY_LIMIT)]


def _show(f, value, lang) -> str:
    """Audit values are stored as JSON; show option labels, leave the rest as recorded."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_show(f, v, lang) for v in value)
    if f is not None and f.options:
        opt = f.option(value)
        return opt.label.get(lang) if opt else str(value)
    if isinstance(value, dict):
        return str(value.get("name") or value)
    if isinstance(value, bool):
        return ("Yes" if value else "No") if lang == "en" else ("是" if value else "否")
    return str(value)
