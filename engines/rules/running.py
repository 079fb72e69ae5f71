"""Running rules: on record events (inside the triggering write's unit of work), on a button, on an
external event. Every step of a rule runs in that one transaction: the write and all its rules
commit together or not at all."""
from __future__ import annotations

import time
from types import SimpleNamespace

from engines.common.labels import msg
from engines.expr import ExpressionError
from engines.expr.context import EvalContext
from engines.form.errors import RecordError
from engines.rules import runlog
from engines.rules.actions.fail import RuleFailed
from engines.rules.payload import Payload
from engines.rules.steps import run_steps


class RuleError(RecordError):
    """A rule that could not run (an expression that fails on these values): the write is refused."""
    status = 422
    code = "rule_error"


class RunContext:
    """What a step sees: the writer (same transaction), the rule's record and the variables of its
    expressions (`record`, `old`, `user`, `event`, and earlier steps' results bound with `as:`)."""

    def __init__(self, rule, writer, table, record, old=None, event=None):
        self.rule, self.writer, self.table, self.record = rule, writer, table, record
        self.eval = _evaluation(writer)
        self.variables = {"user": SimpleNamespace(id=writer.actor, username=None)}
        if table is not None:
            self.variables["record"] = self.eval.view(table, record or {})
            self.variables["old"] = self.eval.view(table, old) if old is not None else None
        if event is not None:
            self.variables["event"] = Payload.of(event)

    def evaluate(self, expression):
        try:
            return expression.evaluate(self.variables, context=self.eval)
        except ExpressionError as exc:
            self.fail(str(exc))

    def fail(self, text: str):
        """Refuse the write: the rule could not run (the message names the rule)."""
        raise RuleError(msg(f"rule '{self.rule.name}': {text}", f"规则 {self.rule.name} 出错：{text}")) from None

    def outbox(self):
        """Where messages go: the hosting platform's outbox (form.extensions["outbox"])."""
        port = self.writer.form.extensions.get("outbox")
        if port is None:
            self.fail("this platform has no outbox: messages cannot be sent")
        return port

    def require_record(self, what):
        if self.record is None:
            self.fail(f"`{what}` has no record")
        return self.record

    def wrote(self, result, own: bool) -> None:
        """After a step: records read through links may have changed, and `own` (set, increment)
        changed the rule's record itself: later steps see the new values."""
        self.eval.cache.forget()
        if own and isinstance(result, dict):
            self.record = result
            self.variables["record"] = self.eval.view(self.table, result)


def _evaluation(writer) -> EvalContext:
    """The unit of work's expression context, shared by the rules it runs (the tables' shapes and
    the function table are worked out once, not per rule). What it loaded is dropped as each rule
    starts, as a new context would have nothing: earlier rules may have written it."""
    ev = writer.unit.evaluation
    if ev is None or ev.connection is not writer.conn:
        ev = writer.unit.evaluation = EvalContext(form=writer.form, connection=writer.conn, rows=writer.rows,
                                                  computed=writer.computed)
    else:
        ev.cache.reset()
    return ev


def run(rule, rc: RunContext, log_table, source: str):
    """Run `rule` in `rc` (condition, then each step). Returns True when it ran, False when its
    condition was not met. A failure is logged after the rollback and raised to the writer."""
    started = time.perf_counter()
    record_id = (rc.record or {}).get("id")
    base = dict(app=rc.writer.form.name, rule=rule.name, trigger=rule.trigger.kind, table=rc.table,
                record_id=record_id, actor=rc.writer.actor, source=source)
    try:
        if rule.condition is not None and not rc.evaluate(rule.condition):
            return False
        run_steps(rule.steps, rc)
    except RecordError as exc:
        outcome = "refused" if isinstance(exc, RuleFailed) else "failed"
        row = runlog.entry(outcome=outcome, duration_ms=_ms(started), error=exc.message.en, **base)
        engine, after = rc.writer.form.engine, rc.writer.after
        after.on_rollback(lambda _exc: runlog.write_after_rollback(after.conn, engine, log_table, row))
        raise
    rc.writer.defer_insert(log_table, runlog.entry(outcome="ok", duration_ms=_ms(started), **base))
    return True


def _ms(started) -> float:
    return (time.perf_counter() - started) * 1000


class RulesRuntime:
    """The rules of one app, subscribed to its record events."""

    def __init__(self, form, rules, log_table):
        self.form, self.rules, self.log_table = form, rules, log_table
        self.by_table: dict[str, list] = {}
        for rule in rules:
            if rule.trigger.kind in ("created", "updated", "deleted") and rule.enabled:
                self.by_table.setdefault(rule.trigger.table, []).append(rule)
        for table in self.by_table:
            form.subscribers.add(self.on_event, table)

    def on_event(self, event, writer) -> None:
        if not writer.unit.run_rules:      # a unit of work that asked for no rules (an import's choice)
            return
        record = event.new if event.new is not None else event.old
        for rule in self.by_table.get(event.table, ()):
            if rule.trigger.matches(event):
                before = writer.writes
                run(rule, RunContext(rule, writer, event.table, record, old=event.old), self.log_table, event.source)
                if writer.writes != before and event.new is not None:
                    # the rules after it (lower priority) see what it wrote: a discount set first
                    record = writer.get(event.table, event.id)

    def named(self, kind: str, name: str, table: str | None = None):
        return next((r for r in self.rules if r.trigger.kind == kind and r.trigger.name == name
                     and (table is None or r.trigger.table == table)), None)

    def buttons(self, table: str) -> list:
        return [r for r in self.rules if r.trigger.kind == "action" and r.trigger.table == table and r.enabled]
