"""The flows' JSON API: my tasks, deciding one, a record's flow history, starting a flow by hand, and
delegations. Errors are 4xx JSON naming the field, as everywhere in the API."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engines.common.labels import msg
from engines.flow import inbox as boxes
from engines.flow import store
from engines.flow.nodes import NODES
from engines.flow.delegating import delegate, parse_local, revoke
from engines.flow.web import flows_of, person
from engines.form.api import record_error_response
from engines.form.errors import RecordError, ValidationFailed
from engines.form.serialize import record_to_json
from engines.form.web import current_access, current_actor, current_lang, installed


def flow_api_blueprint() -> Blueprint:
    bp = Blueprint("flows_api", __name__)
    bp.register_error_handler(RecordError, record_error_response)

    @bp.get("/api/<app_name>/inbox")
    def my_tasks(app_name):
        inst = installed(app_name)
        runtime, lang = flows_of(inst), current_lang()
        with inst.form.engine.connect() as conn:
            items = boxes.my_tasks(runtime, conn, person())
        return jsonify(tasks=[{
            "id": it["task"]["id"], "flow": it["flow"].name, "flow_label": it["flow"].label.get(lang),
            "node": it["node"].name, "node_label": it["node"].label.get(lang), "kind": it["node"].kind,
            "decisions": list(NODES[it["node"].kind].DECISIONS), "created_at": _iso(it["task"]["created_at"]),
            "due_at": _iso(it["task"]["due_at"]), "on_behalf_of": it["on_behalf_of"],
            "fields": list(getattr(it["node"].spec, "fields", ())),
            "required": list(getattr(it["node"].spec, "required", ())),
            "table": it["flow"].table,
            "record": record_to_json(inst.form, inst.form.tables[it["flow"].table], it["record"]),
        } for it in items])

    @bp.post("/api/<app_name>/tasks/<int:task_id>/decide")
    def decide(app_name, task_id):
        inst = installed(app_name)
        body = _body()
        decision = body.get("decision")
        if not isinstance(decision, str) or not decision:
            raise ValidationFailed({"decision": msg("say what you decide: approve, reject or complete",
                                                    "请给出处理结果：approve、reject 或 complete")})
        comment = body.get("comment") or ""
        values = body.get("values") or {}
        if not isinstance(comment, str):
            raise ValidationFailed({"comment": msg("a comment is text", "意见须为文本")})
        if not isinstance(values, dict):
            raise ValidationFailed({"values": msg("values is an object of field: value", "values 须为字段到值的对象")})
        result = flows_of(inst).decide(task_id, person(), decision, comment, values)
        return jsonify(result)

    @bp.get("/api/<app_name>/<table>/<int:record_id>/flows")
    def record_flows(app_name, table, record_id):
        inst = installed(app_name)
        runtime, lang = flows_of(inst), current_lang()
        inst.records.get(table, record_id, access=current_access(inst))     # may they read it at all
        with inst.form.engine.connect() as conn:
            found = boxes.history(runtime, conn, table, record_id)
        return jsonify(flows=[{
            "id": f["id"], "flow": f["flow"].name, "label": f["flow"].label.get(lang), "status": f["status"],
            "at": f["at"], "started_at": _iso(f["started_at"]), "ended_at": _iso(f["ended_at"]), "end": f["end"],
            "waiting": [{"task": w["id"], "node": w["node"], "roles": w["roles"], "users": w["people"],
                         "due_at": _iso(w["due_at"])} for w in f["waiting"]],
            "history": [{"node": d["node"], "decision": d["decision"], "at": _iso(d["at"]), "by": d["who"],
                         "on_behalf_of": d["for_whom"], "comment": d["comment"]} for d in f["decisions"]],
        } for f in found])

    @bp.post("/api/<app_name>/<table>/<int:record_id>/flows/<name>/start")
    def start(app_name, table, record_id, name):
        inst = installed(app_name)
        instance_id = flows_of(inst).start_by_person(name, record_id, current_access(inst), current_actor())
        return jsonify(instance=instance_id), 201

    @bp.get("/api/<app_name>/delegations")
    def delegations(app_name):
        inst = installed(app_name)
        runtime = flows_of(inst)
        with inst.form.engine.connect() as conn:
            rows = store.delegations(conn, runtime.t, app_name, person())
        return jsonify(delegations=[{"id": d["id"], "from_user": d["from_user"], "to_user": d["to_user"],
                                     "starts_at": _iso(d["starts_at"]), "ends_at": _iso(d["ends_at"])} for d in rows])

    @bp.post("/api/<app_name>/delegations")
    def add_delegation(app_name):
        inst = installed(app_name)
        body = _body()
        tz = inst.form.timezone
        new_id = delegate(flows_of(inst), person(), str(body.get("to") or ""), parse_local(body.get("starts"), tz),
                          parse_local(body.get("ends"), tz))
        return jsonify(id=new_id), 201

    @bp.delete("/api/<app_name>/delegations/<int:delegation_id>")
    def remove_delegation(app_name, delegation_id):
        inst = installed(app_name)
        revoke(flows_of(inst), person(), delegation_id)
        return jsonify(revoked=delegation_id)

    return bp


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RecordError(msg("the request body must be a JSON object", "请求体必须是 JSON 对象"))
    return body


def _iso(value):
    return None if value is None else value.isoformat(timespec="seconds") + "Z"
