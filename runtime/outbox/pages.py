"""/_admin/messages: the outbox for admins. Every message with its status, attempts and last error,
filtered by app, channel and status; a failed or dead one can be retried at once (CSRF-protected
POST, as every form of the platform: Flask-WTF's CSRFProtect covers all non-API posts)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engines.common.locales import format_datetime
from engines.form.ui_text import translate
from engines.form.web import current_lang
from runtime.admin_links import add_admin_link, admins_only
from runtime.outbox import queries
from runtime.outbox.channels import channels
from runtime.outbox.table import STATUSES
from runtime.outbox.worker import wake

PAGE_SIZE = 50
FILTERS = ("app", "channel", "status")


def messages_blueprint() -> Blueprint:
    bp = Blueprint("outbox", __name__, template_folder="../templates")   # runtime/templates, with the other admin pages
    add_admin_link(bp, "messages", "outbox.messages")
    bp.before_request(admins_only)

    @bp.get("/_admin/messages")
    def messages():
        platform = current_app.extensions["tessera.platform"]
        lang = current_lang()
        args = {k: request.args.get(k, "").strip() for k in FILTERS}
        try:
            before = int(request.args.get("before", "") or 0) or None
        except ValueError:
            before = None
        found = queries.search(platform, **args, before_id=before, limit=PAGE_SIZE)
        older = (url_for("outbox.messages", **{k: v for k, v in args.items() if v}, before=found[-1].id)
                 if len(found) == PAGE_SIZE else None)
        return render_template("tessera/outbox_messages.html", rows=[_row(platform, r, lang) for r in found], args=args,
                               older=older, apps=sorted(platform.apps), channels=sorted(channels()),
                               statuses=STATUSES, counts=queries.counts(platform))

    @bp.post("/_admin/messages/<int:message_id>/retry")
    def retry(message_id):
        platform = current_app.extensions["tessera.platform"]
        lang = current_lang()
        if queries.retry_now(platform, message_id):
            wake(platform)
            flash(translate("message_retried", lang, id=message_id), "success")
        else:
            flash(translate("message_not_retried", lang, id=message_id), "error")
        back = {k: v for k in FILTERS if (v := request.form.get(k, "").strip())}
        return redirect(url_for("outbox.messages", **back), 303)

    return bp


def _row(platform, r, lang) -> dict:
    inst = platform.apps.get(r.app)
    tz = inst.form.timezone if inst else dt.timezone.utc   # the app's time, as its other pages

    def when(moment):
        return format_datetime(moment, lang, tz, seconds=True) if moment else "—"

    return {"id": r.id, "app": r.app, "channel": r.channel, "recipient": r.recipient, "subject": r.subject,
            "body": r.body if len(r.body) <= 300 else r.body[:300] + "…", "status": r.status,
            "status_text": translate(f"status_{r.status}", lang), "attempts": r.attempts,
            "created": when(r.created_at), "sent": when(r.sent_at),
            "next": when(r.next_attempt_at) if r.status in ("pending", "failed") else "—",
            "error": r.last_error or "", "retry": r.status in ("failed", "dead"),
            "source": " / ".join(str(x) for x in (r.rule, r.record_table, r.record_id) if x)}
