"""A person's decision on a task, and a task's time-out: who may decide (assignee, role, delegation;
not the record's creator unless the node allows it), countersigning, the fields a task fills in, and
moving the instance on. Each runs in one unit of work: the decision and all it causes, or nothing."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.labels import msg
from engines.flow import store
from engines.flow.advance import Mover
from engines.flow.nodes import NODES
from engines.form.access import Forbidden
from engines.form.errors import Conflict, NotFound, ValidationFailed

NOT_YOURS = msg("this task is not assigned to you", "这个待办没有分配给你")


@dataclass(frozen=True)
class Decider:
    """Who is deciding, read once for all the tasks they look at: their roles, whether they are a
    platform administrator (who may decide any task), and those who delegated to them, with roles."""
    id: int
    roles: frozenset
    admin: bool
    delegators: tuple = ()          # (user id, their roles)


def decider(rt, conn, user_id: int) -> Decider:
    return Decider(user_id, rt.roles_of(conn, user_id), rt.is_admin(conn, user_id),
                   tuple((d, rt.roles_of(conn, d)) for d in store.delegators(conn, rt.t, rt.form.name, user_id)))


def standing(task: dict, me: Decider):
    """Whom `me` decides this task for: themselves, or a user who delegated to them; else None."""
    def qualifies(uid, roles):
        return uid in task["users"] or bool(set(task["roles"]) & roles)
    if qualifies(me.id, me.roles) or me.admin:
        return me.id
    return next((d for d, roles in me.delegators if qualifies(d, roles)), None)


def may_decide(rt, conn, task: dict, flow, record: dict, me: Decider):
    """(the user decided for, None) or (None, why not)."""
    who = standing(task, me)
    if who is None:
        return None, NOT_YOURS
    spec = flow.nodes[task["node"]].spec
    if not spec.allow_creator and record.get("created_by") in (who, me.id):
        return None, msg("you created this record: someone else must approve it", "该记录由你创建，须由他人审批")
    if task["mode"] == "all" and task["required"]:
        if who not in task["required"]:
            return None, NOT_YOURS
        if who in store.approvals(conn, rt.t, task["id"]):
            return None, msg("you have approved this already; it waits for the others",
                             "你已审批通过，正在等待其他人审批")
    return who, None


def decide(rt, w, task_id, user_id, decision, comment, values) -> dict:
    conn = w.conn
    task = store.task(conn, rt.t, task_id, lock=True)
    if task is None or task["app"] != rt.form.name:
        raise NotFound(msg(f"no task #{task_id}", f"没有待办 #{task_id}"))
    if task["status"] != "open":
        raise Conflict(msg("this task has been decided already: it is no longer waiting for anyone",
                           "此待办已被处理，不再等待处理"))
    inst = store.instance(conn, rt.t, task["instance_id"], lock=True)
    flow = rt.pinned(inst)
    node = flow.nodes[task["node"]]
    allowed = NODES[node.kind].DECISIONS
    if decision not in allowed:
        raise ValidationFailed({"decision": msg(f"choose one of: {', '.join(allowed)}",
                                                f"请选择：{'、'.join(allowed)}")})
    record = w.get(flow.table, inst["record_id"])
    who, why = may_decide(rt, conn, task, flow, record, decider(rt, conn, user_id))
    if who is None:
        raise Forbidden(why)
    w.unit.flow_moving.add((flow.table, record["id"]))
    if node.kind == "task":
        _fill(w, flow, node, record, values)
    elif values:
        raise ValidationFailed({k: msg("an approval changes no fields", "审批不修改字段") for k in values})
    store.add_decision(conn, rt.t, instance_id=inst["id"], task_id=task_id, node=node.name, decision=decision,
                       user_id=user_id, comment=comment, on_behalf_of=who if who != user_id else None)
    if decision == "approve" and task["mode"] == "all" and task["required"]:
        if not set(task["required"]) <= store.approvals(conn, rt.t, task_id):
            store.claim(conn, rt.t, task)           # counted; the others still have to approve
            return {"task": task_id, "status": "waiting", "instance": inst["id"]}
    store.claim(conn, rt.t, task, status="done", outcome=decision, closed_at=store.utcnow())
    mover = Mover(rt, w, flow, inst)
    mover.leave(node.name)
    mover.go([(node.target(decision), node.name)])
    return {"task": task_id, "status": "done", "outcome": decision, "instance": inst["id"],
            "flow_status": inst["status"], "at": mover.state["at"]}


def _fill(w, flow, node, record, values) -> None:
    """The fields a task's completion fills in: only those the node names; the required ones must end
    up filled (given now, or already there)."""
    spec = node.spec
    errors = {k: msg("this task does not fill in this field", "此待办不填写该字段") for k in values if k not in spec.fields}
    given = {k: v for k, v in values.items() if k in spec.fields}
    for name in spec.required:
        value = given.get(name, record.get(name))
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = msg("fill this in to complete the task", "完成此待办须填写此项")
    if errors:
        raise ValidationFailed(errors)
    if given:
        w.update(flow.table, record["id"], given)


def time_out(rt, w, task_id, at) -> str | None:
    """What a due task's node says: reassign, decide automatically, or follow its `timeout` edge."""
    conn = w.conn
    task = store.task(conn, rt.t, task_id, lock=True)
    if task is None or task["status"] != "open" or task["due_at"] is None or task["due_at"] > at:
        return None
    inst = store.instance(conn, rt.t, task["instance_id"], lock=True)
    flow = rt.pinned(inst)
    node = flow.nodes[task["node"]]
    rule = node.timeout
    if rule is None:
        return None
    w.unit.flow_moving.add((flow.table, inst["record_id"]))
    mover = Mover(rt, w, flow, inst)
    if rule.reassign is not None:
        store.claim(conn, rt.t, task, status="done", outcome="escalated", closed_at=store.utcnow())
        store.add_decision(conn, rt.t, instance_id=inst["id"], task_id=task_id, node=node.name,
                           decision="timeout", comment="reassigned / 已转交")
        mover.reassign(node, rule.reassign)
        mover.go([])
        return "reassigned"
    outcome = rule.decide or "timeout"
    store.claim(conn, rt.t, task, status="done", outcome=outcome, closed_at=store.utcnow())
    store.add_decision(conn, rt.t, instance_id=inst["id"], task_id=task_id, node=node.name, decision="timeout",
                       comment=f"→ {outcome}")
    mover.leave(node.name)
    mover.go([(node.target(outcome), node.name)])
    return outcome
