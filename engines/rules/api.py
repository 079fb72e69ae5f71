"""Rules started from outside a record write: a button on a record (page and API) and an external
event (API, with an idempotency key). Both run in one unit of work and write as the system once the
person has been checked (may read the record, holds a role the trigger names)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for

from engines.common.labels import msg
from engines.form.access import Forbidden
from engines.form.api import record_error_response
from engines.form.errors import NotFound, RecordError
from engines.form.serialize import record_to_json
from engines.form.web import current_access, current_actor, current_lang, installed, local_target
from engines.rules import event_journal, event_keys
from engines.rules.running import RunContext, run

NO_KEY = msg("send an Idempotency-Key header: the same key twice has the effect once",
             "请提供 Idempotency-Key 请求头：同一个键重复发送只生效一次")


def press(inst, table: str, record_id: int, name: str, source: str):
    """Run the button rule `name` on a record; (ran, record as the person may see it)."""
    rules = inst.form.extensions["rules"]
    rule = rules.named("action", name, table)
    if rule is None or not rule.enabled:
        raise NotFound(msg(f"no action '{name}' on '{table}'", f"{table} 没有操作 {name}"))
    access = current_access(inst)
    if not rule.trigger.allows(access.roles, access.unrestricted):
        raise Forbidden(msg(f"you may not use '{rule.label.en}'", f"你没有权限使用“{rule.label.zh}”"))
    with inst.records.unit_of_work(current_actor(), source, access) as w:
        record = w.read(table, record_id)       # a record they may not read is not found
        ran = run(rule, RunContext(rule, w.child(), table, record), rules.log_table, source)
        after = w.get(table, record_id)
    return ran, access.redact(table, after)


def rules_blueprint(event_keys_table, journal_table=None) -> Blueprint:
    """`journal_table`: where accepted external events are journalled (engines/rules/event_journal.py)."""
    bp = Blueprint("rules", __name__)

    bp.register_error_handler(RecordError, record_error_response)

    @bp.post("/api/<app_name>/<table>/<int:record_id>/actions/<name>")
    def api_press(app_name, table, record_id, name):
        inst = installed(app_name)
        ran, record = press(inst, table, record_id, name, "api")
        return jsonify(ran=ran, record=record_to_json(inst.form, inst.form.tables[table], record))

    @bp.post("/api/<app_name>/events/<name>")
    def api_event(app_name, name):
        inst = installed(app_name)
        rules = inst.form.extensions["rules"]
        rule = rules.named("event", name)
        if rule is None or not rule.enabled:
            raise NotFound(msg(f"no event '{name}'", f"没有事件 {name}"))
        access = current_access(inst)
        if not rule.trigger.allows(access.roles, access.unrestricted):
            raise Forbidden(msg(f"you may not send '{name}'", f"你没有权限发送事件 {name}"))
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > event_keys.MAX_KEY:
            raise RecordError(NO_KEY, {"Idempotency-Key": NO_KEY})
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise RecordError(msg("the request body must be a JSON object", "请求体必须是 JSON 对象"))
        with inst.records.unit_of_work(current_actor(), "api") as w:
            if not event_keys.claim(w.conn, event_keys_table, app_name, name, key):
                return jsonify(duplicate=True, ran=False), 200
            if journal_table is not None:
                event_journal.record(w.conn, journal_table, app_name, name, key, payload, current_actor())
            ran = run(rule, RunContext(rule, w.child(), None, None, event=payload), rules.log_table, "api")
        return jsonify(duplicate=False, ran=ran), 201

    @bp.post("/<app_name>/<table>/<int:record_id>/actions/<name>")
    def page_press(app_name, table, record_id, name):
        inst = installed(app_name)
        lang = current_lang()
        try:
            ran, _record = press(inst, table, record_id, name, "page")
        except NotFound:
            abort(404)
        except RecordError as exc:
            flash(exc.message.get(lang), "error")
        else:
            rule = inst.form.extensions["rules"].named("action", name, table)
            flash(f"{rule.label.get(lang)} ✓" if ran else f"{rule.label.get(lang)}: —", "success" if ran else "error")
        # a page's card grid (engines/form/screens) sends where to come back to
        back = url_for("pages.detail", app_name=app_name, table=table, record_id=record_id)
        return redirect(local_target(request.form.get("next"), back), 303)

    return bp


def record_buttons(inst, table: str, record_id: int, lang: str) -> list[tuple[str, str]]:
    """(label, url) of the buttons the current person may press on a record's detail page."""
    rules = inst.form.extensions.get("rules")
    if rules is None:
        return []
    access = current_access(inst)
    return [(r.label.get(lang), url_for("rules.page_press", app_name=inst.form.name, table=table,
                                        record_id=record_id, name=r.trigger.name))
            for r in rules.buttons(table) if r.trigger.allows(access.roles, access.unrestricted)]
