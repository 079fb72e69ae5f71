"""The flows of one installed app at run time (form.extensions["flows"]): started by record events, a
rule's `start_flow`, or a button; moved by people's decisions and by time-outs; each instance runs the
definition it started with. While a record is in a flow with `lock`, it changes only through the flow."""
from __future__ import annotations

import json
import logging

from engines.common.labels import msg
from engines.expr import ExpressionError
from engines.expr.context import EvalContext
from engines.flow import store
from engines.flow.advance import Mover
from engines.flow.compile import compile_flow
from engines.flow.deciding import decide, time_out
from engines.form.access import Forbidden
from engines.form.errors import Conflict, NotFound, RecordError
from engines.form.records import RecordService


class FlowRuntime:
    def __init__(self, form, app, tables: dict):
        self.form, self.app, self.t = form, app, tables
        self.flows = app.flows
        self.records = RecordService(form)
        self._pinned: dict = {}            # fingerprint -> Flow compiled from an instance's kept definition
        self.by_table: dict[str, list] = {}
        for flow in self.flows.values():
            self.by_table.setdefault(flow.table, []).append(flow)
        for table in self.by_table:
            form.subscribers.add(self.on_event, table)

    # -- people (the platform's port; an engine used alone has nobody to ask) ------------------------
    @property
    def people(self):
        return self.form.extensions.get("people")

    def people_ids(self, conn, names) -> list[int]:
        return list(self.people.ids(conn, names).values()) if self.people and names else []

    def people_holding(self, conn, roles) -> list[int]:
        return self.people.holding(conn, self.form.name, roles) if self.people and roles else []

    def roles_of(self, conn, user_id) -> frozenset:
        return self.people.roles(conn, self.form.name, user_id) if self.people and user_id else frozenset()

    def is_admin(self, conn, user_id) -> bool:
        return bool(self.people and user_id and self.people.is_admin(conn, user_id))

    def tell_assignees(self, writer, flow, node, task_id, record, user_ids) -> None:
        """One message per person who may decide the new task, through the outbox (after the commit)."""
        port = self.form.extensions.get("outbox")
        if port is None or not user_ids or self.people is None:
            return
        t = self.form.tables[flow.table]
        title = record.get(t.title_field) if t.title_field else None
        what = f"{title or '#' + str(record['id'])}"
        names = self.people.logins(writer.conn, user_ids)
        for uid in user_ids:
            if uid not in names:
                continue
            port.send(writer, channel=flow.channel, recipient=names[uid],
                      subject=f"待办 To do: {flow.label.zh} · {node.label.zh} / {flow.label.en} · {node.label.en}",
                      body=f"{t.label.zh} {what} 等待你处理 / {t.label.en} {what} is waiting for you: "
                           f"/{self.form.name}/inbox",
                      rule=f"flow {flow.name}", record_table=flow.table, record_id=record["id"],
                      idempotency_key=f"{self.form.name}:flow-task-{task_id}-{uid}")

    # -- the definition an instance runs -------------------------------------------------------------
    def pinned(self, inst):
        """The flow as it was when `inst` started, even after the app was upgraded."""
        current = self.flows.get(inst["flow"])
        if current is not None and current.fingerprint == inst["fingerprint"]:
            return current
        if inst["fingerprint"] not in self._pinned:
            problems = []
            flow = compile_flow(inst["flow"], json.loads(inst["source"]), self.app.tables, self.app.roles,
                                lambda path, text, at_key=False: problems.append(f"{'.'.join(map(str, path))}: {text}"))
            if flow is None or problems:
                raise RecordError(msg(f"the definition flow '{inst['flow']}' started with no longer fits the "
                                      f"app: {'; '.join(problems)}",
                                      f"流程 {inst['flow']} 启动时的定义已与应用不符：{'；'.join(problems)}"))
            self._pinned[inst["fingerprint"]] = flow
        return self._pinned[inst["fingerprint"]]

    # -- record events: starts and the lock -----------------------------------------------------------
    def on_event(self, event, writer) -> None:
        key = (event.table, event.id)
        if event.kind != "created" and key not in writer.unit.flow_moving:
            self._guard(event, writer)
        if event.kind == "deleted" or not writer.unit.run_rules:
            return
        wanted = "create" if event.kind == "created" else "update"
        for flow in self.by_table.get(event.table, ()):
            if wanted in flow.start.on and self._starts(flow, event, writer) and \
                    not store.running(writer.conn, self.t, self.form.name, event.table, event.id, flow.name):
                self._begin(writer, flow, event.id)

    def lock_of(self, conn, table: str, record_id: int):
        """Why the record may not be edited now (a running flow with `lock`), or None."""
        if table not in self.by_table:
            return None
        for inst in store.running(conn, self.t, self.form.name, table, record_id):
            flow = self.pinned(inst)
            if flow.lock:
                return locked_message(flow)
        return None

    def _guard(self, event, writer) -> None:
        for inst in store.running(writer.conn, self.t, self.form.name, event.table, event.id):
            flow = self.pinned(inst)
            if event.kind == "deleted" and not flow.lock:
                store.close_open_tasks(writer.conn, self.t, inst["id"])
                store.save_state(writer.conn, self.t, inst, json.loads(inst["state"]), status="cancelled",
                                 ended_at=store.utcnow())
            elif flow.lock:
                raise Conflict(locked_message(flow))

    def _starts(self, flow, event, writer) -> bool:
        if flow.start.condition is None:
            return True
        ctx = EvalContext(form=writer.form, connection=writer.conn, rows=writer.rows, computed=writer.computed)
        now = writer.get(event.table, event.id)          # as the rules left it
        try:
            holds = flow.start.condition.evaluate({"record": ctx.view(event.table, now)}, context=ctx)
        except ExpressionError as exc:
            raise RecordError(msg(f"flow '{flow.name}': its start condition failed: {exc}",
                                  f"流程 {flow.name} 的启动条件出错：{exc}")) from None
        if not holds or event.kind == "created":
            return bool(holds)
        try:      # on an update it starts when the condition comes to hold, not on every later change
            return not flow.start.condition.evaluate({"record": ctx.view(event.table, event.old)}, context=ctx)
        except ExpressionError:
            return True

    # -- starting ---------------------------------------------------------------------------------------
    def start(self, writer, flow_name: str, record_id: int) -> int:
        """Start `flow_name` on a record in the writer's unit of work; the new instance's id."""
        flow = self.flows.get(flow_name)
        if flow is None:
            raise NotFound(msg(f"no flow '{flow_name}'", f"没有流程 {flow_name}"))
        writer.get(flow.table, record_id)                 # not found: refused
        if store.running(writer.conn, self.t, self.form.name, flow.table, record_id, flow.name):
            raise Conflict(msg(f"this record is already in the flow '{flow.label.en}'",
                               f"该记录已在流程“{flow.label.zh}”中"))
        return self._begin(writer, flow, record_id)

    def _begin(self, writer, flow, record_id: int) -> int:
        inst = store.insert_instance(writer.conn, self.t, app=self.form.name, flow=flow, table=flow.table,
                                     record_id=record_id, actor=writer.actor)
        store.add_decision(writer.conn, self.t, instance_id=inst["id"], node=flow.first, decision="started",
                           user_id=writer.actor)
        writer.unit.flow_moving.add((flow.table, record_id))
        Mover(self, writer, flow, inst).go([(flow.first, None)])
        return inst["id"]

    def start_by_person(self, flow_name: str, record_id: int, access, actor) -> int:
        """The flow's button: the person must hold one of its roles and be able to read the record."""
        flow = self.flows.get(flow_name)
        if flow is None or flow.start.button is None:
            raise NotFound(msg(f"no flow '{flow_name}' to start by hand", f"没有可手动发起的流程 {flow_name}"))
        if flow.start.roles and not access.unrestricted and not set(flow.start.roles) & set(access.roles):
            raise Forbidden(msg(f"you may not start '{flow.label.en}'", f"你没有权限发起“{flow.label.zh}”"))
        self.records.check(flow.table, record_id, "read", access)   # a record they may not read is not found
        with self.records.unit_of_work(actor, "flow") as w:       # the flow writes as the system
            return self.start(w, flow_name, record_id)

    def buttons(self, table: str, access) -> list:
        return [f for f in self.by_table.get(table, ()) if f.start.button is not None and (
            not f.start.roles or access.unrestricted or set(f.start.roles) & set(access.roles))]

    # -- deciding and time-outs ---------------------------------------------------------------------------
    def decide(self, task_id: int, user_id: int, decision: str, comment: str = "", values=None) -> dict:
        with self.records.unit_of_work(user_id, "flow") as w:
            return decide(self, w, task_id, user_id, decision, comment, values or {})

    def time_out(self, task_id: int, at=None) -> str | None:
        with self.records.unit_of_work(None, "flow") as w:
            return time_out(self, w, task_id, at or store.utcnow())

    def run_timeouts(self, at=None) -> int:
        """Time out every due task (`at`: now, naive UTC); one that cannot is logged and tried again
        at the next firing, without holding up the others."""
        at = at or store.utcnow()
        done = 0
        with self.form.engine.connect() as conn:
            due = store.due(conn, self.t, self.form.name, at)
        for task_id in due:
            try:
                done += bool(self.time_out(task_id, at))
            except RecordError as exc:
                logging.getLogger("tessera.flows").error("task #%s could not time out: %s", task_id, exc)
        return done


def locked_message(flow):
    return msg(f"this record is in the flow '{flow.label.en}': it changes only through the flow's tasks until "
               "the flow ends", f"该记录正在流程“{flow.label.zh}”中，流程结束前只能通过流程的待办修改")
