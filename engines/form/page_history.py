"""A record's history (from the platform's audit log, when one is installed) as the detail page shows it."""
from __future__ import annotations

from flask import current_app

from engines.form.fields.base import FieldError
from engines.form.page_views import local_time
from engines.form.ui_text import translate

HISTORY_LIMIT = 20


def record_history(form, conn, app_name, t, record_id, lang, hidden=frozenset()) -> list[dict] | None:
    """None when the hosting platform keeps no audit log. Changes to `hidden` fields are left out."""
    audit = current_app.extensions.get("tessera.audit")
    if audit is None:
        return None
    return [{
        "when": local_time(form, e["at"], lang),
        "who": e.get("actor_name") or "—",
        "source": e["source"],
        "action": translate("action_" + e["action"], lang),
        "changes": [{"label": t.fields[name].label.get(lang) if name in t.fields else name,
                     "before": _show(form, t.fields.get(name), before, lang),
                     "after": _show(form, t.fields.get(name), after, lang)}
                    for name, (before, after) in e["changes"].items() if name not in hidden],
    } for e in audit.history(conn, app_name, t.name, record_id, limit=HISTORY_LIMIT)]


def _show(form, f, value, lang) -> str:
    """Audit values are stored as JSON; show option labels, and dates, numbers and money as the page does."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_show(form, f, v, lang) for v in value)
    if f is not None and f.options:
        opt = f.option(value)
        return opt.label.get(lang) if opt else str(value)
    if isinstance(value, dict):
        return str(value.get("name") or value)
    if isinstance(value, bool):
        return translate("yes" if value else "no", lang)
    if f is not None and isinstance(value, (str, int, float)):
        vf = form.value_field(f)
        ftype = form.ftype(vf)
        try:    # back from JSON ("2024-03-05", "1234.50") to the value the field type shows
            return ftype.display_local(vf, ftype.parse(vf, value), lang)
        except (FieldError, TypeError, ValueError):
            pass    # recorded under an older definition: show it as recorded
    return str(value)
