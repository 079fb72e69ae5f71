"""Moving an instance through its nodes, inside one unit of work: from a start or a decision, tokens
go through the automatic nodes (condition, parallel, join, notify, end) until each waits at a person's
node (a new task) or the flow ends."""
from __future__ import annotations

import json
from types import SimpleNamespace

from engines.common.labels import msg
from engines.form.errors import RecordError
from engines.flow import store
from engines.rules.running import RunContext
from engines.rules.steps import run_steps

MAX_MOVES = 500            # compile-time checks forbid loops no person decides; this is the backstop


class Mover:
    """One instance being moved by one unit of work (`writer`, source "flow")."""

    def __init__(self, runtime, writer, flow, inst: dict):
        self.rt, self.writer, self.flow, self.inst = runtime, writer, flow, inst
        self.state = json.loads(inst["state"])
        self.conn = writer.conn
        self.ending: dict = {}         # the instance's columns its end sets

    # -- the record and what expressions see ---------------------------------------------------
    def record(self) -> dict:
        return self.writer.get(self.flow.table, self.inst["record_id"])

    def context(self) -> RunContext:
        rule = SimpleNamespace(name=f"flow {self.flow.name}")
        return RunContext(rule, self.writer, self.flow.table, self.record())

    # -- moving -----------------------------------------------------------------------------------
    def go(self, tokens: list[tuple[str, str | None]]) -> None:
        """`tokens`: (node to enter, node it comes from)."""
        moves = 0
        while tokens and self.inst["status"] == "running":
            moves += 1
            if moves > MAX_MOVES:
                raise RecordError(msg(f"flow '{self.flow.name}' moved {MAX_MOVES} times without waiting for anyone",
                                      f"流程 {self.flow.name} 连续推进 {MAX_MOVES} 次仍未停下"))
            name, came_from = tokens.pop(0)
            node = self.flow.nodes[name]
            tokens.extend(getattr(self, "_" + node.kind)(node, came_from))
        store.save_state(self.conn, self.rt.t, self.inst, self.state, **self.ending)

    def _approval(self, node, _came_from):
        self._wait(node)
        return []

    _task = _approval

    def _condition(self, node, _came_from):
        rc = self.context()
        for expression, (_label, target) in zip(node.spec, node.edges):
            if rc.evaluate(expression):
                return [(target, node.name)]
        return [(node.target("else"), node.name)]

    def _parallel(self, node, _came_from):
        return [(target, node.name) for _o, target in node.edges]

    def _join(self, node, came_from):
        arrived = self.state["joins"].setdefault(node.name, [])
        arrived.append(came_from)
        if len(arrived) < self.flow.incoming(node.name):
            return []
        del self.state["joins"][node.name]
        return [(node.target("next"), node.name)]

    def _notify(self, node, _came_from):
        node.spec.run(self.context())
        return [(node.target("next"), node.name)]

    def _end(self, node, _came_from):
        run_steps(node.spec.steps, self.context())
        store.close_open_tasks(self.conn, self.rt.t, self.inst["id"])
        store.add_decision(self.conn, self.rt.t, instance_id=self.inst["id"], node=node.name, decision="end")
        self.state["at"] = [node.name]
        self.inst["status"] = "done"
        self.ending = dict(status="done", ended_at=store.utcnow(), end_node=node.name)
        return []

    # -- a person's node ----------------------------------------------------------------------------
    def _wait(self, node, assignees=None) -> int:
        record = self.record()
        spec = node.spec
        who = assignees or spec.assignees
        users = set(self.rt.people_ids(self.conn, who.users))
        rc = None
        for expression in who.expressions:
            rc = rc or self.context()
            users |= _user_ids(rc.evaluate(expression))
        everyone = sorted(users | set(self.rt.people_holding(self.conn, who.roles)))
        # countersign: every one of them must approve (but the record's creator, unless allowed)
        required = [u for u in everyone if spec.allow_creator or u != record.get("created_by")] \
            if who.mode == "all" else []
        due = None
        if node.timeout is not None and assignees is None:
            due = store.utcnow() + node.timeout.after
        task_id = store.insert_task(self.conn, self.rt.t, instance_id=self.inst["id"], app=self.rt.form.name,
                                    node=node.name, kind=node.kind, roles=list(who.roles), users=sorted(users),
                                    mode=who.mode, required=required, due_at=due)
        if node.name not in self.state["at"]:
            self.state["at"].append(node.name)
        self.rt.tell_assignees(self.writer, self.flow, node, task_id, record, everyone)
        return task_id

    def reassign(self, node, assignees) -> int:
        """Escalation: a new task for others at the same node (the caller closed the old one)."""
        return self._wait(node, assignees)

    def leave(self, node_name: str) -> None:
        """A token leaves a person's node (the task there was decided)."""
        if node_name in self.state["at"]:
            self.state["at"].remove(node_name)


def _user_ids(value) -> set:
    """What an assignee expression gave: a user id, a list of them, or nothing."""
    if value is None or value == "":
        return set()
    values = value if isinstance(value, (list, tuple, set)) else [value]
    out = set()
    for v in values:
        v = getattr(v, "id", v)
        if isinstance(v, bool) or v is None:
            continue
        try:
            out.add(int(v))
        except (TypeError, ValueError):
            continue
    return out
