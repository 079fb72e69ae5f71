"""Compile the `flows` section into frozen Flows, reporting every problem at its path: unknown
tables, roles, fields and nodes, nodes no path reaches, nodes from which no path reaches an end,
and loops no person decides."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from types import MappingProxyType

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.flow import graph
from engines.flow.assignees import compile_assignees
from engines.flow.model import Flow, Node, Start, Timeout
from engines.flow.nodes import NODES
from engines.rules.compile import CompileContext

UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def compile_flows(raw, tables, roles, report, invalid=frozenset()) -> MappingProxyType:
    if not isinstance(raw, dict):
        return MappingProxyType({})
    out = {}
    for name, spec in raw.items():
        path = ("flows", name)
        if not isinstance(spec, dict) or any(p[:2] == path for p in invalid):
            continue                              # reported by the schema check
        flow = compile_flow(name, spec, tables, roles,
                            lambda p, m, at_key=False, base=path: report(base + tuple(p), m, at_key))
        if flow is not None:
            out[name] = flow
    return MappingProxyType(out)


def source_of(spec) -> str:
    return json.dumps(spec, ensure_ascii=False, default=str)     # in the definition's order: the first node starts


def compile_flow(name, spec, tables, roles, report) -> Flow | None:
    """One flow; also how an instance's kept definition is compiled again after an upgrade."""
    ctx = CompileContext(tables=tables, roles=roles, report=report)
    if not ctx.known_table(spec.get("table"), ("table",)):
        return None
    ctx.table = spec["table"]
    start = _start(spec.get("start") or {}, ctx)
    raw_nodes = spec.get("nodes") or {}
    nodes = {}
    for node_name, raw in raw_nodes.items():
        node = _node(node_name, raw, ctx, ("nodes", node_name), raw_nodes)
        if node is not None:
            nodes[node_name] = node
    if len(nodes) != len(raw_nodes) or not nodes:
        return None
    _check_graph(nodes, ctx)
    source = source_of(spec)
    return Flow(name=name, label=Label.of(spec.get("label"), name), table=ctx.table, first=next(iter(nodes)),
                nodes=MappingProxyType(nodes), start=start, lock=spec.get("lock", True),
                channel=spec.get("notify_channel", "log"), source=source,
                fingerprint=hashlib.sha256(source.encode()).hexdigest())


def _start(raw, ctx) -> Start:
    for i, role in enumerate(raw.get("roles") or ()):
        ctx.known_role(role, ("start", "roles", i))
    condition = ctx.expression(raw["if"], ("start", "if")) if "if" in raw else None
    return Start(on=tuple(raw.get("on") or ()), condition=condition,
                 button=Label.of(raw["button"]) if "button" in raw else None, roles=tuple(raw.get("roles") or ()))


def _node(name, raw, ctx, path, all_nodes) -> Node | None:
    kinds = [k for k in raw if k in NODES]
    if len(kinds) != 1:
        ctx.report(path, f"give exactly one node kind: one of {', '.join(NODES)}"
                   + (f" (found {', '.join(kinds)})" if kinds else ""))
        return None
    kind = kinds[0]
    module = NODES[kind]
    spec = module.compile(raw[kind], ctx, path + (kind,))
    edges = _edges(raw, kind, module, ctx, path, all_nodes)
    timeout = _timeout(raw, module, edges, ctx, path)
    return Node(name=name, kind=kind, label=Label.of(raw.get("label"), name), edges=tuple(edges), spec=spec,
                timeout=timeout)


def _edges(raw, kind, module, ctx, path, all_nodes) -> list[tuple[str, str]]:
    if module.OUTCOMES is None:             # condition, parallel: the branches are the edges
        for key in ("on", "next"):
            if key in raw:
                ctx.report(path + (key,), f"a {kind} node's edges are its branches; remove `{key}`", True)
        listed = [(o, t, path + (kind,) + p) for o, t, p in module.edges(raw[kind])]
    else:
        listed = [(o, t, path + ("on", o)) for o, t in (raw.get("on") or {}).items()]
        if "next" in raw:
            listed.append(("next", raw["next"], path + ("next",)))
        for outcome, _t, where in listed:
            if outcome not in module.OUTCOMES:
                allowed = ", ".join(module.OUTCOMES) or "none: it is the last node"
                ctx.report(where, f"a {kind} node has no outcome '{outcome}' (its outcomes: {allowed})", True)
        for outcome in module.REQUIRED:
            if not any(o == outcome for o, _t, _w in listed):
                ctx.report(path, f"say where the flow goes on '{outcome}': `on: {{{outcome}: <node>}}`"
                           if outcome != "next" else "say where the flow goes next: `next: <node>`")
    edges = []
    for outcome, target, where in listed:
        if target not in all_nodes:
            ctx.report(where, f"unknown node '{target}'{did_you_mean(str(target), all_nodes)}")
        elif module.OUTCOMES is None or outcome in module.OUTCOMES:
            edges.append((outcome, target))
    return edges


def _timeout(raw, module, edges, ctx, path) -> Timeout | None:
    spec = raw.get("timeout")
    has_edge = any(o == "timeout" for o, _ in edges)
    if spec is None:
        if has_edge:
            ctx.report(path + ("on", "timeout"), "a `timeout` edge needs `timeout: {after: <duration>}`", True)
        return None
    where = path + ("timeout",)
    if not module.HUMAN:
        ctx.report(where, "only an approval or a task waits, and so only they time out", True)
        return None
    reassign = compile_assignees(spec["reassign"], ctx, where + ("reassign",)) if "reassign" in spec else None
    decide = spec.get("decide")
    if decide is not None and decide not in module.DECISIONS:
        ctx.report(where + ("decide",), f"'{decide}' is not an outcome a person gives here "
                   f"(one of {', '.join(module.DECISIONS)})")
    if reassign is not None and decide is not None:
        ctx.report(where, "give `reassign` or `decide`, not both")
    if reassign is None and decide is None and not has_edge:
        ctx.report(where, "say what happens on time-out: `reassign: {...}`, `decide: <outcome>`, "
                   "or an edge `on: {timeout: <node>}`")
    return Timeout(after=duration(spec["after"]), reassign=reassign, decide=decide)


def duration(text: str) -> dt.timedelta:
    number, unit = re.fullmatch(r"([0-9]+)\s*([a-z]+)", text.strip()).groups()
    return dt.timedelta(**{UNITS[unit]: int(number)})


def _check_graph(nodes, ctx) -> None:
    succ = graph.successors(nodes)
    first = next(iter(nodes))
    ends = [n for n, node in nodes.items() if node.kind == "end"]
    if not ends:
        ctx.report(("nodes",), "a flow needs an `end` node")
        return
    seen = graph.reachable(succ, first)
    finishing = graph.reaching(succ, ends)
    for name in nodes:
        if name not in seen:
            ctx.report(("nodes", name), f"node '{name}' is never reached: no edge leads to it from '{first}'", True)
        elif name not in finishing:
            ctx.report(("nodes", name), f"no path from node '{name}' reaches an end node", True)
        if nodes[name].kind == "join" and sum(t == name for n in nodes.values() for _, t in n.edges) < 2:
            ctx.report(("nodes", name), "a join waits for two or more branches; fewer lead to it", True)
    loop = graph.automatic_loop(nodes, lambda n: NODES[nodes[n].kind].HUMAN)
    if loop:
        ctx.report(("nodes", loop[0]), "a loop without a human decision: " + " -> ".join(loop)
                   + " (send it back through an approval or a task)", True)


def check_starts(rules, flows, report) -> None:
    """Each rule's `start_flow` names a flow of the rule's own table."""
    for rule in rules:
        for step in _all_steps(rule.steps):
            if step.kind != "start_flow":
                continue
            where = ("rules", rule.name) + tuple(step.path) + ("start_flow",)
            flow = flows.get(step.action.flow)
            if flow is None:
                report(where, f"unknown flow '{step.action.flow}'{did_you_mean(step.action.flow, flows)}")
            elif flow.table != step.action.table:
                report(where, f"flow '{flow.name}' runs on '{flow.table}', not on this rule's '{step.action.table}'")


def _all_steps(steps):
    for step in steps:
        yield step
        yield from _all_steps(getattr(step.action, "steps", ()) or ())
