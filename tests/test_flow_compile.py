"""Flows in definitions (issue 6, part 2): a valid flow compiles to frozen nodes and edges; the
error kinds are fixtures in tests/build_errors/flow_* (checked by tests/test_builder.py)."""
import datetime as dt

from builder import compile_app
from engines.flow import graph

FLOW = """
app: fl
roles: [operator, warehouse, admin]
tables:
  orders:
    fields:
      amount: {type: integer}
      status: {type: select, options: [pending, approved, rejected], default: pending}
      tracking_no: {type: text}
flows:
  big:
    label: {zh: 大单审批, en: Large order approval}
    table: orders
    start: {on: [create], if: record.amount > 5000}
    lock: false
    nodes:
      check:
        approval: {role: operator}
        on: {approve: split, reject: check_again}
        timeout: {after: 2d, reassign: {role: admin}}
      check_again:
        approval: {users: [boss, chief], mode: all}
        on: {approve: split, reject: refused}
      split:
        parallel: [ship, tell]
      ship:
        task: {role: warehouse, require: [tracking_no]}
        on: {complete: both}
      tell:
        notify: {to: ops, body: "order {{ record.id }}"}
        next: both
      both:
        join: {}
        next: done
      done:
        end: {set: {status: approved}}
      refused:
        end: {set: {status: rejected}}
"""


def test_a_valid_flow_compiles_to_its_nodes_edges_and_timeouts(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(FLOW, encoding="utf-8")
    flow = compile_app(str(path)).flows["big"]
    assert (flow.table, flow.first, flow.lock, flow.start.on) == ("orders", "check", False, ("create",))
    assert flow.label.zh == "大单审批" and flow.ends == ["done", "refused"]
    check = flow.nodes["check"]
    assert check.kind == "approval" and check.edges == (("approve", "split"), ("reject", "check_again"))
    assert check.timeout.after == dt.timedelta(days=2) and check.timeout.reassign.roles == ("admin",)
    assert flow.nodes["check_again"].spec.assignees.mode == "all"
    assert flow.nodes["ship"].spec.required == ("tracking_no",)
    assert flow.nodes["split"].edges == (("", "ship"), ("", "tell"))
    assert flow.incoming("both") == 2 and [s.kind for s in flow.nodes["done"].spec.steps] == ["set"]
    assert len(flow.fingerprint) == 64 and '"table": "orders"' in flow.source


def test_layers_follow_the_longest_path_and_ignore_a_rejection_sent_back(tmp_path):
    path = tmp_path / "app.yaml"
    sent_back = FLOW.replace("reject: refused}", "reject: check}").replace(
        "reject: check_again}\n        timeout: {after: 2d, reassign: {role: admin}}",
        "reject: check_again, timeout: refused}\n        timeout: {after: 2d}")
    path.write_text(sent_back, encoding="utf-8")
    flow = compile_app(str(path)).flows["big"]
    succ = graph.successors(flow.nodes)
    assert ("check_again", "check") in graph.back_edges(succ, flow.first)
    layer = graph.layers(succ, flow.first)
    assert layer["check"] == 0 and layer["check_again"] == 1 and layer["split"] == 2
    assert layer["ship"] == layer["tell"] == 3 and layer["both"] == 4 and layer["done"] == 5
    assert flow.nodes["check"].target("timeout") == "refused" and flow.nodes["check"].timeout.decide is None


def test_the_diagram_draws_every_node_labelled_edges_and_highlights_the_current_node(tmp_path):
    import xml.etree.ElementTree as ET
    from engines.flow.diagram import render_svg
    path = tmp_path / "app.yaml"
    path.write_text(FLOW, encoding="utf-8")
    flow = compile_app(str(path)).flows["big"]
    svg = render_svg(flow, "en", current=("ship",))
    root = ET.fromstring(svg)                       # well-formed SVG
    ns = "{http://www.w3.org/2000/svg}"
    nodes = {g.get("data-node"): g for g in root.iter(ns + "g") if g.get("data-node")}
    assert list(nodes) == list(flow.nodes)
    assert [g.get("class") for n, g in nodes.items() if "current" in g.get("class")] == ["node task current"]
    outcomes = [g.get("data-outcome") for g in root.iter(ns + "g") if "edge" == g.get("class")]
    assert outcomes.count("approve") == 2 and outcomes.count("reject") == 2 and outcomes.count("complete") == 1
    labels = {t.text for t in root.iter(ns + "text") if t.get("class") == "edge-label"}
    assert labels == {"approve", "reject", "complete", "next"}
    assert "ship" in {t.text for t in root.iter(ns + "text")}
