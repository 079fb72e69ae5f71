"""The flow runtime on a small purchasing app: starts (create, update, rule, button), approvals any-of
and all-of, the creator rule, send-back, conditions, parallel and join, notify, ends that write, the
record lock, time-outs, delegation, version pinning and two people deciding at once."""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa

from engines.flow import store
from engines.form.access import Forbidden
from engines.form.errors import Conflict, ValidationFailed
from runtime.auth import create_user, grant

APP = """
app: buy
title: {zh: 采购, en: Purchasing}
roles: [clerk, manager, director, finance, warehouse]
tables:
  requests:
    title_field: title
    fields:
      title: {type: text, required: true}
      amount: {type: money, min: 0}
      status: {type: select, options: [draft, approved, rejected], default: draft}
      requester: {type: user}
      po_no: {type: text}
      note: {type: text}
      submitted: {type: boolean, default: false}
rules:
  submit:
    when: {updated: requests, changed: submitted, to: true}
    if: record.amount <= 1000
    do:
      - start_flow: small
flows:
  purchase:
    label: {zh: 采购审批, en: Purchase approval}
    table: requests
    start: {on: [create, update], if: record.amount > 1000}
    nodes:
      size:
        condition: [{if: record.amount > 100000, to: board}, {else: manager}]
      manager:
        approval: {role: manager}
        on: {approve: checks, reject: fix}
      fix:
        task: {field: requester, require: [note]}
        on: {complete: manager}
      board:
        approval: {role: director, mode: all}
        on: {approve: checks, reject: "no"}
      checks:
        parallel: [finance, stock]
      finance:
        approval: {role: finance}
        on: {approve: both, reject: "no"}
      stock:
        task: {role: warehouse, require: [po_no]}
        on: {complete: both}
      both:
        join: {}
        next: tell
      tell:
        notify: {to: buyers, body: "approved {{ record.title }}"}
        next: "yes"
      "yes":
        end: {set: {status: approved}}
      "no":
        end: {set: {status: rejected}}
  small:
    table: requests
    lock: false
    nodes:
      ok:
        approval: {role: manager, allow_creator: true}
        on: {approve: done, reject: done, timeout: done}
        timeout: {after: 1h}
      done:
        end: {set: {status: approved}}
  by_hand:
    table: requests
    start: {button: {zh: 请主管复核, en: Ask for a review}, roles: [clerk]}
    nodes:
      review:
        approval: {role: manager}
        on: {approve: fine, reject: fine}
        timeout: {after: 2h, reassign: {role: director}}
      fine:
        end: {set: {note: reviewed}}
  auto:
    table: requests
    start: {button: {zh: 自动, en: Auto}}
    nodes:
      wait:
        approval: {role: manager}
        on: {approve: fine, reject: fine}
        timeout: {after: 1d, decide: approve}
      fine:
        end: {set: {status: approved}}
"""


@pytest.fixture
def buy(make_platform):
    platform = make_platform(APP)
    people = {}
    for name, role in [("clara", "clerk"), ("mia", "manager"), ("max", "manager"), ("dora", "director"),
                       ("dave", "director"), ("fin", "finance"), ("wes", "warehouse")]:
        people[name] = create_user(platform, name, "a long password 123")
        grant(platform, name, "buy", role)
    return platform, platform.apps["buy"], people


def flows(inst):
    return inst.form.extensions["flows"]


def open_tasks(inst):
    with inst.form.engine.connect() as conn:
        return store.open_tasks(conn, flows(inst).t, "buy")


def task_at(inst, node):
    found = [t for t in open_tasks(inst) if t["node"] == node]
    assert len(found) == 1, f"expected one open task at {node}, found {[t['node'] for t in open_tasks(inst)]}"
    return found[0]["id"]


def decisions(inst, record_id):
    with inst.form.engine.connect() as conn:
        rows = flows(inst).t
        found = store.instances_of(conn, rows, "buy", "requests", record_id)
        return [(d["node"], d["decision"]) for d in store.decisions_of(conn, rows, [i["id"] for i in found])]


def test_small_amounts_start_no_flow_and_large_ones_wait_for_a_manager(buy):
    _platform, inst, p = buy
    small = inst.records.create("requests", {"title": "pens", "amount": "80"}, actor=p["clara"])
    assert open_tasks(inst) == []
    big = inst.records.create("requests", {"title": "laptops", "amount": "5000"}, actor=p["clara"])
    tasks = open_tasks(inst)
    assert [(t["node"], t["record_id"], t["roles"]) for t in tasks] == [("manager", big["id"], ["manager"])]
    assert small["status"] == "draft"


def test_whole_path_with_send_back_parallel_join_notify_and_end(buy):
    _platform, inst, p = buy
    fl = flows(inst)
    rec = inst.records.create("requests", {"title": "desks", "amount": "5000", "requester": p["clara"]},
                              actor=p["clara"])
    fl.decide(task_at(inst, "manager"), p["mia"], "reject", "too dear: say why")
    # sent back to the requester (the `field: requester` assignee), who must give a note
    fix = task_at(inst, "fix")
    with pytest.raises(Forbidden):
        fl.decide(fix, p["mia"], "complete")
    with pytest.raises(ValidationFailed) as missing:
        fl.decide(fix, p["clara"], "complete", "", {})
    assert set(missing.value.fields) == {"note"}
    fl.decide(fix, p["clara"], "complete", "", {"note": "for the new office"})
    fl.decide(task_at(inst, "manager"), p["max"], "approve", "ok now")
    assert sorted(t["node"] for t in open_tasks(inst)) == ["finance", "stock"]      # both branches at once
    fl.decide(task_at(inst, "finance"), p["fin"], "approve")
    assert inst.records.get("requests", rec["id"])["status"] == "draft"            # the join waits for stock
    with pytest.raises(ValidationFailed) as unknown:
        fl.decide(task_at(inst, "stock"), p["wes"], "complete", "", {"po_no": "PO-1", "amount": "1"})
    assert set(unknown.value.fields) == {"amount"}
    result = fl.decide(task_at(inst, "stock"), p["wes"], "complete", "", {"po_no": "PO-1"})
    assert result["flow_status"] == "done"
    after = inst.records.get("requests", rec["id"])
    assert (after["status"], after["po_no"], after["note"]) == ("approved", "PO-1", "for the new office")
    assert decisions(inst, rec["id"]) == [("size", "started"), ("manager", "reject"), ("fix", "complete"),
                                          ("manager", "approve"), ("finance", "approve"), ("stock", "complete"),
                                          ("yes", "end")]
    with inst.form.engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT recipient, body FROM tessera_outbox WHERE rule = 'flow purchase' "
                                      "AND recipient = 'buyers'")).all()
    assert [tuple(r) for r in bodies] == [("buyers", "approved desks")]


def test_a_rejection_on_one_branch_ends_the_flow_and_closes_the_other(buy):
    _platform, inst, p = buy
    rec = inst.records.create("requests", {"title": "chairs", "amount": "3000"}, actor=p["clara"])
    flows(inst).decide(task_at(inst, "manager"), p["mia"], "approve")
    flows(inst).decide(task_at(inst, "finance"), p["fin"], "reject", "no budget")
    assert inst.records.get("requests", rec["id"])["status"] == "rejected"
    assert open_tasks(inst) == []


def test_countersign_needs_every_director_and_the_creator_may_not_approve(buy):
    _platform, inst, p = buy
    fl = flows(inst)
    rec = inst.records.create("requests", {"title": "a building", "amount": "2000000"}, actor=p["dora"])
    board = task_at(inst, "board")
    with pytest.raises(Forbidden) as own:
        fl.decide(board, p["dora"], "approve")
    assert "created" in own.value.message.en
    # dora created it, so only dave must approve; a second director would be needed otherwise
    assert fl.decide(board, p["dave"], "approve")["status"] == "done"
    rec2 = inst.records.create("requests", {"title": "a tower", "amount": "3000000"}, actor=p["clara"])
    board2 = task_at(inst, "board")
    assert fl.decide(board2, p["dora"], "approve")["status"] == "waiting"
    with pytest.raises(Forbidden):
        fl.decide(board2, p["dora"], "approve")                     # once each
    fl.decide(board2, p["dave"], "approve")
    assert sorted(t["node"] for t in open_tasks(inst) if t["record_id"] == rec2["id"]) == ["finance", "stock"]
    assert rec["id"] != rec2["id"]


def test_the_record_is_locked_while_its_flow_runs(buy):
    _platform, inst, p = buy
    rec = inst.records.create("requests", {"title": "phones", "amount": "4000"}, actor=p["clara"])
    with pytest.raises(Conflict) as locked:
        inst.records.update("requests", rec["id"], {"title": "better phones"}, actor=p["clara"])
    assert "only through the flow" in locked.value.message.en
    with pytest.raises(Conflict):
        inst.records.delete("requests", rec["id"], actor=p["clara"])
    assert inst.records.get("requests", rec["id"])["title"] == "phones"


def test_start_on_update_when_the_condition_comes_to_hold_and_from_a_rule(buy):
    _platform, inst, p = buy
    rec = inst.records.create("requests", {"title": "paper", "amount": "500"}, actor=p["clara"])
    inst.records.update("requests", rec["id"], {"submitted": True}, actor=p["clara"])   # the rule's start_flow
    assert [t["node"] for t in open_tasks(inst)] == ["ok"]
    inst.records.update("requests", rec["id"], {"note": "unlocked: lock is false"}, actor=p["clara"])
    flows(inst).decide(task_at(inst, "ok"), p["clara"] if False else p["mia"], "approve")
    inst.records.update("requests", rec["id"], {"amount": "1500"}, actor=p["clara"])     # now above 1000
    assert [t["node"] for t in open_tasks(inst)] == ["manager"]


def test_timeouts_follow_the_edge_reassign_or_decide(buy):
    _platform, inst, p = buy
    fl = flows(inst)
    rec = inst.records.create("requests", {"title": "ink", "amount": "10"}, actor=p["clara"])
    inst.records.update("requests", rec["id"], {"submitted": True}, actor=p["clara"])
    later = store.utcnow() + dt.timedelta(minutes=30)
    assert fl.run_timeouts(later) == 0                          # not yet due
    assert fl.run_timeouts(store.utcnow() + dt.timedelta(hours=2)) == 1
    assert inst.records.get("requests", rec["id"])["status"] == "approved"
    assert decisions(inst, rec["id"])[-2:] == [("ok", "timeout"), ("done", "end")]

    from engines.form.access import Access
    clerk = Access(inst.form, roles={"clerk"}, user_id=p["clara"], username="clara")
    other = inst.records.create("requests", {"title": "tape", "amount": "20"}, actor=p["clara"])
    fl.start_by_person("by_hand", other["id"], clerk, p["clara"])
    fl.run_timeouts(store.utcnow() + dt.timedelta(hours=3))
    review = task_at(inst, "review")
    with pytest.raises(Forbidden):
        fl.decide(review, p["mia"], "approve")                 # the managers had their time
    fl.decide(review, p["dora"], "approve")
    assert inst.records.get("requests", other["id"])["note"] == "reviewed"
    with pytest.raises(Forbidden):
        fl.start_by_person("by_hand", other["id"], Access(inst.form, roles={"finance"}, user_id=p["fin"]), p["fin"])

    third = inst.records.create("requests", {"title": "glue", "amount": "30"}, actor=p["clara"])
    fl.start_by_person("auto", third["id"], clerk, p["clara"])
    fl.run_timeouts(store.utcnow() + dt.timedelta(days=2))
    assert inst.records.get("requests", third["id"])["status"] == "approved"


def test_delegation_gives_the_tasks_for_its_period(buy):
    _platform, inst, p = buy
    from engines.flow.delegating import DelegationError, delegate, revoke
    from engines.flow.inbox import my_tasks
    fl = flows(inst)
    inst.records.create("requests", {"title": "lamps", "amount": "2000"}, actor=p["clara"])
    with inst.form.engine.connect() as conn:
        assert my_tasks(fl, conn, p["wes"]) == []
    now = store.utcnow()
    with pytest.raises(DelegationError) as bad:
        delegate(fl, p["mia"], "nobody", now, now - dt.timedelta(days=1))
    assert set(bad.value.fields) == {"to", "ends"}
    d = delegate(fl, p["mia"], "wes", now - dt.timedelta(minutes=1), now + dt.timedelta(days=7))
    with inst.form.engine.connect() as conn:
        mine = my_tasks(fl, conn, p["wes"])
    assert [(t["node"].name, t["on_behalf_of"]) for t in mine] == [("manager", p["mia"])]
    revoke(fl, p["mia"], d)
    with inst.form.engine.connect() as conn:
        assert my_tasks(fl, conn, p["wes"]) == []
    delegate(fl, p["mia"], "wes", now - dt.timedelta(minutes=1), now + dt.timedelta(days=7))
    fl.decide(task_at(inst, "manager"), p["wes"], "approve", "for mia")
    with inst.form.engine.connect() as conn:
        row = conn.execute(sa.select(fl.t["decisions"]).where(fl.t["decisions"].c.decision == "approve")).first()
    assert (row.user_id, row.on_behalf_of, row.comment) == (p["wes"], p["mia"], "for mia")


def test_two_people_deciding_at_once_one_wins(buy):
    _platform, inst, p = buy
    inst.records.create("requests", {"title": "cups", "amount": "1200"}, actor=p["clara"])
    task = task_at(inst, "manager")
    barrier, outcomes = threading.Barrier(2), []

    def decide(user, decision):
        barrier.wait()
        try:
            flows(inst).decide(task, p[user], decision)
            outcomes.append(("ok", decision))
        except Conflict as exc:
            outcomes.append(("conflict", exc.message.en))
    threads = [threading.Thread(target=decide, args=a) for a in (("mia", "approve"), ("max", "reject"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o[0] for o in outcomes) == ["conflict", "ok"]
    assert "decided" in next(o[1] for o in outcomes if o[0] == "conflict")
    with inst.form.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(flows(inst).t["decisions"])
                         .where(flows(inst).t["decisions"].c.node == "manager")).scalar()
    assert n == 1


def test_an_instance_keeps_the_definition_it_started_with(buy, make_platform):
    platform, inst, p = buy
    rec = inst.records.create("requests", {"title": "vans", "amount": "9000"}, actor=p["clara"])
    changed = APP.replace("        approval: {role: manager}\n        on: {approve: checks, reject: fix}",
                          "        approval: {role: manager}\n        on: {approve: \"yes\", reject: fix}")
    assert changed != APP
    upgraded = make_platform(changed).apps["buy"]
    fl = flows(upgraded)
    assert fl.flows["purchase"].fingerprint != flows(inst).flows["purchase"].fingerprint
    fl.decide(task_at(upgraded, "manager"), p["mia"], "approve")
    assert sorted(t["node"] for t in open_tasks(upgraded)) == ["finance", "stock"]    # the old path
    new = upgraded.records.create("requests", {"title": "bikes", "amount": "2000"}, actor=p["clara"])
    fl.decide(task_at(upgraded, "manager"), p["mia"], "approve")
    assert upgraded.records.get("requests", new["id"])["status"] == "approved"         # the new one
    with upgraded.form.engine.connect() as conn:
        kept = conn.execute(sa.select(fl.t["instances"].c.source).where(
            fl.t["instances"].c.record_id == rec["id"])).scalar()
    assert json.loads(kept)["nodes"]["manager"]["on"]["approve"] == "checks"


def test_the_scheduler_runs_the_timeouts_job(buy):
    platform, inst, p = buy
    from runtime.scheduler.registry import collect_jobs
    rec = inst.records.create("requests", {"title": "wire", "amount": "10"}, actor=p["clara"])
    inst.records.update("requests", rec["id"], {"submitted": True}, actor=p["clara"])
    jobs = collect_jobs(platform)
    assert "flows.timeouts" in jobs
    tasks = flows(inst).t["tasks"]
    with inst.form.engine.begin() as conn:        # two hours pass
        conn.execute(tasks.update().values(due_at=store.utcnow() - dt.timedelta(hours=1)))
    assert jobs["flows.timeouts"].run(platform, dt.datetime.now(dt.timezone.utc)) == "buy 1"
    assert inst.records.get("requests", rec["id"])["status"] == "approved"
