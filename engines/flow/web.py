"""Flows on the web: the to-do inbox (/<app>/inbox: decide, complete, delegate), a flow's page with its
diagram (/<app>/flows/<name>), and a record's start button. The JSON API is engines/flow/api.py; the
record page's panel is engines/flow/panel.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from engines.common.labels import msg
from engines.flow import inbox as boxes
from engines.flow import store
from engines.flow.delegating import DelegationError, delegate, parse_local, revoke
from engines.flow.diagram import render_svg
from engines.flow.words import decision_word, word
from engines.form import page_forms as pf
from engines.form import page_views as pv
from engines.form.access import Forbidden
from engines.form.errors import NotFound, RecordError, ValidationFailed
from engines.form.reading import resolve_links
from engines.form.web import current_access, current_actor, current_lang, current_user, installed


def flows_of(inst):
    runtime = inst.form.extensions.get("flows")
    if runtime is None:
        abort(404)
    return runtime


def person() -> int:
    """The signed-in person's id: tasks belong to people, not to API tokens."""
    user_id = current_actor()
    if user_id is None:
        raise Forbidden(msg(word("not_person", "en"), word("not_person", "zh")))
    return user_id


def flow_blueprint() -> Blueprint:
    bp = Blueprint("flows", __name__, template_folder="templates")

    @bp.app_context_processor
    def _words():
        return {"fw": lambda key, **kw: word(key, current_lang(), **kw),
                "decision_word": lambda d: decision_word(d, current_lang())}

    @bp.get("/<app_name>/inbox")
    def inbox(app_name):
        return _inbox_page(installed(app_name))

    @bp.post("/<app_name>/inbox/<int:task_id>")
    def decide(app_name, task_id):
        inst = installed(app_name)
        runtime, lang = flows_of(inst), current_lang()
        decision = request.form.get("decision", "")
        values = _task_values(inst, runtime, task_id)
        try:
            result = runtime.decide(task_id, person(), decision, request.form.get("comment", ""), values)
        except ValidationFailed as exc:
            return _inbox_page(inst, errors={task_id: exc.fields}, kept={task_id: request.form}, status=exc.status)
        except RecordError as exc:
            flash(exc.message.get(lang), "error")
            return _inbox_page(inst, status=exc.status)
        flash(word("waiting_others" if result["status"] == "waiting" else "decided", lang), "success")
        return redirect(url_for("flows.inbox", app_name=app_name), 303)

    @bp.post("/<app_name>/inbox/delegate")
    def delegate_page(app_name):
        inst = installed(app_name)
        runtime, lang = flows_of(inst), current_lang()
        try:
            delegate(runtime, person(), request.form.get("to", ""), parse_local(request.form.get("starts"), inst.form.timezone),
                     parse_local(request.form.get("ends"), inst.form.timezone))
        except DelegationError as exc:
            return _inbox_page(inst, delegation_errors=exc.fields, kept_delegation=request.form, status=422)
        flash(word("delegated", lang), "success")
        return redirect(url_for("flows.inbox", app_name=app_name), 303)

    @bp.post("/<app_name>/inbox/delegations/<int:delegation_id>/revoke")
    def revoke_page(app_name, delegation_id):
        inst = installed(app_name)
        revoke(flows_of(inst), person(), delegation_id)
        flash(word("revoked", current_lang()), "success")
        return redirect(url_for("flows.inbox", app_name=app_name), 303)

    @bp.get("/<app_name>/flows/<name>")
    def flow_page(app_name, name):
        inst = installed(app_name)
        runtime, lang = flows_of(inst), current_lang()
        flow = runtime.flows.get(name)
        access = current_access(inst)
        if flow is None or not access.allows(flow.table, "read"):
            abort(404)
        with inst.form.engine.connect() as conn:
            rows = store.instances_of_flow(conn, runtime.t, app_name, name)
        t = inst.form.tables[flow.table]
        return render_template("tessera/flow.html", app_name=app_name, inst=inst, flow=flow, tbl=t,
                               diagram=Markup(render_svg(flow, lang)), instances=[
                                   dict(r, when=pv.local_time(inst.form, r["started_at"], lang)) for r in rows])

    @bp.post("/<app_name>/<table>/<int:record_id>/flows/<name>/start")
    def start_page(app_name, table, record_id, name):
        inst = installed(app_name)
        runtime, lang = flows_of(inst), current_lang()
        try:
            runtime.start_by_person(name, record_id, current_access(inst), current_actor())
        except NotFound:
            abort(404)
        except RecordError as exc:
            flash(exc.message.get(lang), "error")
        else:
            flash(word("started_flow", lang, flow=runtime.flows[name].label.get(lang)), "success")
        return redirect(url_for("pages.detail", app_name=app_name, table=table, record_id=record_id), 303)

    return bp


def _task_values(inst, runtime, task_id) -> dict:
    """The fields a task's form sent, read as the record's edit form reads them."""
    with inst.form.engine.connect() as conn:
        task = store.task(conn, runtime.t, task_id)
        if task is None or task["kind"] != "task":
            return {}
        inst_row = store.instance(conn, runtime.t, task["instance_id"])
    flow = runtime.pinned(inst_row)
    t = inst.form.tables[flow.table]
    record = inst.records.get(flow.table, inst_row["record_id"])
    values, _kept, _saved = pf.read_submission(inst.form, inst.form.name, t, "edit", request.form, request.files,
                                               record, None)
    return {k: v for k, v in values.items() if k in flow.nodes[task["node"]].spec.fields}


def _inbox_page(inst, errors=None, kept=None, delegation_errors=None, kept_delegation=None, status=200):
    runtime, lang = flows_of(inst), current_lang()
    user_id = person()
    errors, kept = errors or {}, kept or {}
    with inst.form.engine.connect() as conn:
        items = [_item(inst, conn, it, lang, errors.get(it["task"]["id"]), kept.get(it["task"]["id"]))
                 for it in boxes.my_tasks(runtime, conn, user_id)]
        mine = store.delegations(conn, runtime.t, inst.form.name, user_id)
        people = inst.form.extensions["people"]
        names = people.names(conn, [d["from_user"] for d in mine] + [d["to_user"] for d in mine])
    delegations = [dict(d, to_name=names.get(d["to_user"]), from_name=names.get(d["from_user"]),
                        starts=pv.local_time(inst.form, d["starts_at"], lang),
                        ends=pv.local_time(inst.form, d["ends_at"], lang), mine=d["from_user"] == user_id)
                   for d in mine]
    derr = {k: v.get(lang) for k, v in (delegation_errors or {}).items()}
    return render_template("tessera/inbox.html", app_name=inst.form.name, inst=inst, items=items,
                           delegations=delegations, delegation_errors=derr, kept_delegation=kept_delegation or {},
                           user=current_user()), status


def _item(inst, conn, it, lang, errors, kept) -> dict:
    """One task as the inbox shows it: the record's summary and, for a task, its fields' inputs."""
    flow, node, record, task = it["flow"], it["node"], it["record"], it["task"]
    t = inst.form.tables[flow.table]
    display = dict(record)
    resolve_links(inst.form, conn, t, [display], None)
    names = list(t.list_fields or t.fields)[:6]
    summary = [{"label": t.fields[n].label.get(lang), "cell": pv.cell(inst.form, inst.form.name, t.fields[n],
                                                                       display.get(n), lang)}
               for n in names if n in t.fields]
    widgets = []
    if node.kind == "task":
        raw = {k: kept[k] for k in node.spec.fields if kept and k in kept}
        widgets = [w for w in pf.widgets(inst.form, conn, inst.form.name, t, "edit", lang, record=record,
                                         display=display, kept=raw, errors=errors or {}, access=None)
                   if w["name"] in node.spec.fields]
        for w in widgets:
            w["required"] = w["required"] or w["name"] in node.spec.required
            w["id"] = f"t{task['id']}-{w['name']}"
    people = inst.form.extensions["people"]
    behalf = people.names(conn, [it["on_behalf_of"]]).get(it["on_behalf_of"]) if it["on_behalf_of"] else None
    access = current_access(inst)
    return {"task": task, "flow": flow, "node": node, "record": record, "summary": summary, "widgets": widgets,
            "title": pv.record_title(inst.form, t, record, lang), "behalf": behalf,
            "comment": (kept or {}).get("comment", ""), "error": bool(errors),
            "link": url_for("pages.detail", app_name=inst.form.name, table=t.name, record_id=record["id"])
            if access.allows(t.name, "read") else None,
            "since": pv.local_time(inst.form, task["created_at"], lang),
            "due": pv.local_time(inst.form, task["due_at"], lang) if task["due_at"] else None}
