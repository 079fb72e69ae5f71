"""The JSON API: list/get/create/update/delete per table, and an OpenAPI 3.1 document per app.

Bad input always gets a 4xx JSON error naming the field; errors never leak a traceback.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from engines.common.labels import msg
from engines.form.errors import RecordError
from engines.form.openapi import openapi_document
from engines.form.query import ListRequest, run_list
from engines.form.serialize import record_to_json
from engines.form.web import current_access, current_actor, current_lang, installed


def api_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__)

    bp.register_error_handler(RecordError, record_error_response)

    @bp.get("/<app_name>/openapi.json")
    def openapi(app_name):
        inst = installed(app_name)
        return jsonify(openapi_document(inst, request.host_url.rstrip("/") + "/api/" + app_name, current_lang()))

    @bp.get("/<app_name>/<table>")
    def list_records(app_name, table):
        inst, t = _table(app_name, table)
        req = ListRequest.parse(inst.form, t, request.args)
        with inst.form.engine.connect() as conn:
            page = run_list(inst.form, conn, t, req, with_total=request.args.get("count", "1") != "0",
                            access=current_access(inst))
        links = {}
        for key, cursor in (("next", page.next_cursor), ("prev", page.prev_cursor)):
            if cursor:
                args = {k: v for k, v in request.args.items() if k not in ("after", "before")}
                args["after" if key == "next" else "before"] = cursor
                links[key] = url_for("api.list_records", app_name=app_name, table=table, **args)
        return jsonify(data=[record_to_json(inst.form, t, r) for r in page.records],
                       total=page.total, next=page.next_cursor, prev=page.prev_cursor, links=links)

    @bp.post("/<app_name>/<table>")
    def create_record(app_name, table):
        inst, t = _table(app_name, table)
        record = inst.records.create(table, _json_body(), actor=current_actor(), source="api",
                                     access=current_access(inst))
        resp = jsonify(record_to_json(inst.form, t, record))
        resp.status_code = 201
        resp.headers["Location"] = url_for("api.get_record", app_name=app_name, table=table, record_id=record["id"])
        return resp

    @bp.get("/<app_name>/<table>/<int:record_id>")
    def get_record(app_name, table, record_id):
        inst, t = _table(app_name, table)
        record = inst.records.get(table, record_id, access=current_access(inst))
        return jsonify(record_to_json(inst.form, t, record))

    @bp.patch("/<app_name>/<table>/<int:record_id>")
    def update_record(app_name, table, record_id):
        inst, t = _table(app_name, table)
        record = inst.records.update(table, record_id, _json_body(), actor=current_actor(), source="api",
                                     access=current_access(inst))
        return jsonify(record_to_json(inst.form, t, record))

    @bp.delete("/<app_name>/<table>/<int:record_id>")
    def delete_record(app_name, table, record_id):
        inst, _t = _table(app_name, table)
        inst.records.delete(table, record_id, actor=current_actor(), source="api", access=current_access(inst))
        return "", 204

    return bp


def record_error_response(exc: RecordError):
    """A refused request as the API answers it: 4xx JSON with a code, a message and the fields at fault."""
    lang = current_lang()
    body = {"code": exc.code, "message": exc.message.get(lang)}
    if exc.fields:
        body["fields"] = {k: v.get(lang) for k, v in exc.fields.items()}
    return jsonify(error=body), exc.status


def _table(app_name, table):
    inst = installed(app_name)
    if table not in inst.form.tables:
        raise _NoTable(table)
    return inst, inst.form.tables[table]


class _NoTable(RecordError):
    status = 404
    code = "not_found"

    def __init__(self, table):
        super().__init__(msg(f"no table '{table}'", f"没有数据表 {table}"))


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RecordError(msg("the request body must be a JSON object of field values",
                              "请求体必须是字段值组成的 JSON 对象"))
    return body
