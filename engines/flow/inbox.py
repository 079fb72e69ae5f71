"""What people see of flows: the tasks waiting for one person (assigned to them, to a role they hold,
or to someone who delegated to them), and a record's flow history (who, when, decision, comment) with
where it stands now."""
from __future__ import annotations

import json

from engines.flow import store
from engines.flow.deciding import decider, may_decide
from engines.form.errors import NotFound
from engines.form.records import Writer


def my_tasks(rt, conn, user_id: int) -> list[dict]:
    """The open tasks `user_id` may decide now, oldest first, each with its flow, node and record."""
    out = []
    me = decider(rt, conn, user_id)
    for task in store.open_tasks(conn, rt.t, rt.form.name):
        inst = {"flow": task["flow"], "fingerprint": task["fingerprint"], "source": task["source"]}
        flow = rt.pinned(inst)
        node = flow.nodes.get(task["node"])
        if node is None:
            continue
        record = _record(rt, conn, flow.table, task["record_id"])
        if record is None:
            continue
        who, _why = may_decide(rt, conn, task, flow, record, me)
        if who is None:
            continue
        out.append({"task": task, "flow": flow, "node": node, "record": record,
                    "on_behalf_of": who if who != user_id else None})
    return out


def _record(rt, conn, table, record_id):
    try:
        return Writer(rt.form, conn, None, "read").get(table, record_id)
    except NotFound:           # deleted under a flow without a lock: nothing to show
        return None


def history(rt, conn, table: str, record_id: int) -> list[dict]:
    """Every instance of every flow on the record, newest first, with its decisions and open tasks."""
    instances = store.instances_of(conn, rt.t, rt.form.name, table, record_id)
    ids = [i["id"] for i in instances]
    decisions = store.decisions_of(conn, rt.t, ids)
    tasks = store.tasks_of(conn, rt.t, ids)
    people = rt.form.extensions.get("people")
    names = people.names(conn, [d["user_id"] for d in decisions] + [d["on_behalf_of"] for d in decisions]
                         + [u for tk in tasks for u in tk["users"]]) if people else {}
    out = []
    for inst in reversed(instances):
        flow = rt.pinned(inst)
        state = json.loads(inst["state"])
        open_tasks = [tk for tk in tasks if tk["instance_id"] == inst["id"] and tk["status"] == "open"]
        out.append({
            "id": inst["id"], "flow": flow, "status": inst["status"], "at": state.get("at", []),
            "started_at": inst["started_at"], "ended_at": inst["ended_at"], "end": inst["end_node"],
            "decisions": [dict(d, who=names.get(d["user_id"]),
                               for_whom=names.get(d["on_behalf_of"]),
                               node_label=flow.nodes[d["node"]].label if d["node"] in flow.nodes else None)
                          for d in decisions if d["instance_id"] == inst["id"]],
            "waiting": [dict(tk, node_label=flow.nodes[tk["node"]].label,
                             people=[names.get(u, f"#{u}") for u in tk["users"]]) for tk in open_tasks],
        })
    return out

