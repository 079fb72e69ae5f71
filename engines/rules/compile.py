"""Compile the `rules` section into frozen Rules, reporting every problem at its path."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.expr import ExpressionError, compile_expression
from engines.form.row_filter import field_scope
from engines.rules.actions import ACTIONS
from engines.rules.model import Rule, Step
from engines.rules.triggers import TRIGGERS, trigger_for


@dataclass
class CompileContext:
    """What a trigger or action plugin may use while compiling one rule."""
    tables: dict
    roles: tuple
    report: Callable
    table: str | None = None        # the table whose record the rule sees
    names: tuple = ()               # names earlier steps bound with `as:`
    has_event: bool = False

    def scope(self) -> dict:
        scope = {"user": {"id": {}, "username": {}}}
        if self.table is not None:
            scope["record"] = scope["old"] = lambda: field_scope(self.tables, self.table)
        if self.has_event:
            scope["event"] = None
        scope.update({n: None for n in self.names})
        return scope

    def known_table(self, table, path) -> bool:
        if table in self.tables:
            return True
        self.report(path, f"unknown table '{table}'{did_you_mean(str(table), self.tables)}")
        return False

    def known_role(self, role, path) -> bool:
        if role in self.roles:
            return True
        self.report(path, f"unknown role '{role}'{did_you_mean(str(role), self.roles)}")
        return False

    def steps(self, raw, path) -> tuple[Step, ...]:
        """Compile a list of steps (a rule's `do:`, or one nested in an action such as `for_each`).
        A name bound with `as:` is visible to the steps after it in the same list."""
        steps = []
        for i, step in enumerate(raw):
            keys = [k for k in step if k in ACTIONS]
            if len(keys) != 1:
                self.report(path + (i,), f"give exactly one action: one of {', '.join(sorted(ACTIONS))}")
                continue
            kind = keys[0]
            when = self.expression(step["if"], path + (i, "if")) if "if" in step else None
            action = ACTIONS[kind].compile(step[kind], self, path + (i, kind))
            if action is not None:
                steps.append(Step(kind=kind, action=action, bind=step.get("as"), path=path + (i,), condition=when))
            if step.get("as"):
                self.names = self.names + (step["as"],)
        return tuple(steps)

    def expression(self, source, path):
        try:
            return compile_expression(source, self.scope(), tables=self.tables)
        except ExpressionError as exc:
            self.report(path, str(exc))
            return None


def compile_rules(raw, tables, roles, report, invalid=frozenset()) -> tuple[Rule, ...]:
    if not isinstance(raw, dict):
        return ()
    out = []
    for name, spec in raw.items():
        path = ("rules", name)
        if not isinstance(spec, dict) or any(p[:2] == path for p in invalid):
            continue                              # reported by the schema check
        rule = _rule(name, spec, tables, roles, lambda p, m, at_key=False, base=path: report(base + tuple(p), m,
                                                                                             at_key))
        if rule is not None:
            out.append(rule)
    return tuple(sorted(out, key=lambda r: -r.priority))


def _rule(name, spec, tables, roles, report):
    when = spec.get("when") or {}
    module = trigger_for(when)
    if module is None:
        keys = [k for k in when if k in TRIGGERS]
        report(("when",), "give exactly one trigger" + (f" (found {', '.join(keys)})" if keys else
                                                         f": one of {', '.join(sorted(TRIGGERS))}"))
        return None
    for key in getattr(module, "REQUIRED", ()):
        if key not in when:
            report(("when",), f"the '{module.NAME}' trigger needs `{key}:`")
            return None
    ctx = CompileContext(tables=tables, roles=roles, report=report)
    trigger = module.compile(when, ctx)
    if trigger is None:
        return None
    ctx.table = getattr(trigger, "table", None)
    ctx.has_event = trigger.kind == "event"
    condition = ctx.expression(spec["if"], ("if",)) if "if" in spec else None
    steps = ctx.steps(spec.get("do") or [], ("do",))
    return Rule(name=name, label=Label.of(spec.get("label"), name), trigger=trigger, condition=condition,
                steps=steps, priority=spec.get("priority", 0), enabled=spec.get("enabled", True),
                fingerprint=hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest())
