"""An OpenAPI 3.1 document per app, generated from its tables and field types."""
from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}


def openapi_document(inst, server_url: str, lang: str = "en") -> dict:
    app, form = inst.app, inst.form
    schemas = {"Error": _error_schema()}
    paths = {}
    for t in form.tables.values():
        cname = _camel(t.name)
        schemas[cname] = _record_schema(form, t, lang)
        schemas[cname + "Input"] = _input_schema(form, t, lang)
        item_ref = {"$ref": f"#/components/schemas/{cname}"}
        input_ref = {"$ref": f"#/components/schemas/{cname}Input"}
        paths[f"/{t.name}"] = {
            "get": {"summary": f"List {t.label.get(lang)}", "operationId": f"list_{t.name}",
                    "parameters": _list_parameters(form, t),
                    "responses": {"200": _json({"type": "object", "properties": {
                        "data": {"type": "array", "items": item_ref}, "total": {"type": "integer"},
                        "next": {"type": ["string", "null"]}, "prev": {"type": ["string", "null"]},
                        "links": {"type": "object"}}}), "400": _json(ERROR)}},
            "post": {"summary": f"Create a record in {t.label.get(lang)}", "operationId": f"create_{t.name}",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": input_ref}}},
                     "responses": {"201": _json(item_ref), "400": _json(ERROR), "409": _json(ERROR),
                                   "422": _json(ERROR)}},
        }
        id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
        paths[f"/{t.name}/{{id}}"] = {
            "parameters": id_param,
            "get": {"operationId": f"get_{t.name}", "responses": {"200": _json(item_ref), "404": _json(ERROR)}},
            "patch": {"operationId": f"update_{t.name}",
                      "requestBody": {"required": True, "content": {"application/json": {"schema": input_ref}}},
                      "responses": {"200": _json(item_ref), "400": _json(ERROR), "404": _json(ERROR),
                                    "409": _json(ERROR), "422": _json(ERROR)}},
            "delete": {"operationId": f"delete_{t.name}",
                       "responses": {"204": {"description": "deleted"}, "404": _json(ERROR), "409": _json(ERROR)}},
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": app.title.get(lang), "version": app.version},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "a token from `tessera token create NAME --app APP --role ROLE`"}}},
        "security": [{"bearerAuth": []}],
    }


def _record_schema(form, t, lang):
    props = {"id": {"type": "integer"}}
    for name, f in t.fields.items():
        s = dict(form.ftype(f).json_schema(f))
        s["title"] = f.label.get(lang)
        props[name] = {"anyOf": [s, {"type": "null"}]} if not f.required else s
    for k in ("created_at", "updated_at"):
        props[k] = {"type": "string", "format": "date-time"}
    for k in ("created_by", "updated_by"):
        props[k] = {"type": ["integer", "null"]}
    return {"type": "object", "title": t.label.get(lang), "properties": props}


def _input_schema(form, t, lang):
    props, required = {}, []
    for name, f in t.fields.items():
        ftype = form.ftype(f)
        if ftype.computed or not ftype.stored:
            continue
        s = dict(ftype.json_schema(f))
        s["title"] = f.label.get(lang)
        if f.help:
            s["description"] = f.help.get(lang)
        props[name] = s
        if f.required and f.default is None:
            required.append(name)
    out = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _list_parameters(form, t):
    params = [
        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "free-text search"},
        {"name": "sort", "in": "query", "schema": {"type": "string"}, "description": "field, '-field' for descending"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
        {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "cursor from 'next'"},
        {"name": "before", "in": "query", "schema": {"type": "string"}, "description": "cursor from 'prev'"},
    ]
    for name, f in t.fields.items():
        ftype = form.ftype(f)
        if not ftype.stored or ftype.join_table:
            continue
        for op in ftype.filter_ops:
            params.append({"name": name if op == "eq" else f"{name}__{op}", "in": "query",
                           "schema": {"type": "string"}, "required": False})
    return params


def _error_schema():
    return {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}


def _json(schema):
    return {"description": "", "content": {"application/json": {"schema": schema}}}


def _camel(name):
    return "".join(p.capitalize() for p in name.split("_"))
