"""L11: a redemption above 5,000 points holds its points and waits for an operator's approval, then the
warehouse ships it (a tracking number is required) and it ends "approved"; a rejection returns the
points (and the stock) and ends "rejected"; a smaller one completes at once. Acted out through the
pages and the API as the member, the operator and the warehouse would."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engines.flow import store
from runtime.auth import create_user, grant
from tests.conftest import csrf_from, submit
from tests.test_loyalty_rules import PASSWORD, client_for, entries, give, ledger_ok, points
from tests import test_loyalty_rules as base


@pytest.fixture
def loyalty(make_platform):
    platform, inst, member, app = base._loyalty(make_platform, str(base.LOYALTY))
    for name, role in (("wes", "warehouse"), ("ada", "admin"), ("otto", "operator")):
        create_user(platform, name, PASSWORD)
        grant(platform, name, "loyalty", role)
    return platform, inst, member, app


def exchange(app, inst, member, cost, stock=5):
    """Olga puts a product in the mall; Mia exchanges it with the button (the API behind it)."""
    olga, oh = client_for(app, "olga")
    product = olga.post("/api/loyalty/products", json={"name": "电饭煲", "points_cost": cost, "stock": stock},
                        headers=oh).get_json()
    mia, mh = client_for(app, "mia")
    resp = mia.post(f"/api/loyalty/products/{product['id']}/actions/exchange", headers=mh)
    assert resp.status_code == 200, resp.get_json()
    red = mia.get("/api/loyalty/redemptions?sort=-id").get_json()["data"][0]
    return product, red


def outbox(inst):
    with inst.form.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT recipient, subject FROM tessera_outbox WHERE rule = 'flow big_redemption' ORDER BY id"))]


def test_L11_a_large_redemption_is_approved_then_shipped(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 8000)
    product, red = exchange(app, inst, member, 6000)
    assert (red["status"], red["points_cost"]) == ("pending", 6000)
    assert points(inst, member["id"]) == 2000                      # held: taken now, returned on a rejection
    olga, oh = client_for(app, "olga")
    page = olga.get("/loyalty/inbox").get_data(as_text=True)
    assert red["redemption_no"] in page and "运营审批" in page and "同意" in page
    mine = olga.get("/api/loyalty/inbox").get_json()["tasks"]
    assert [(t["node"], t["record"]["id"], t["decisions"]) for t in mine] == [("ops", red["id"], ["approve", "reject"])]
    wes, wh = client_for(app, "wes")
    assert wes.get("/api/loyalty/inbox").get_json()["tasks"] == []          # not the warehouse's turn yet
    task = mine[0]["id"]
    resp = submit(olga, f"/loyalty/inbox/{task}", {"decision": "approve", "comment": "库存充足"},
                  form_url="/loyalty/inbox")
    assert resp.status_code == 303
    assert olga.get("/api/loyalty/inbox").get_json()["tasks"] == []
    ship = wes.get("/api/loyalty/inbox").get_json()["tasks"]
    assert [(t["node"], t["required"]) for t in ship] == [("ship", ["tracking_no"])]
    # the page's form without the tracking number: the message is next to the field, nothing moves
    resp = submit(wes, f"/loyalty/inbox/{ship[0]['id']}", {"decision": "complete", "tracking_no": ""},
                  form_url="/loyalty/inbox")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "完成此待办须填写此项" in body and 'name="tracking_no"' in body
    assert inst.records.get("redemptions", red["id"])["status"] == "pending"
    resp = submit(wes, f"/loyalty/inbox/{ship[0]['id']}", {"decision": "complete", "tracking_no": "SF1234567890",
                                                           "comment": "已发顺丰"}, form_url="/loyalty/inbox")
    assert resp.status_code == 303
    done = inst.records.get("redemptions", red["id"])
    assert (done["status"], done["tracking_no"]) == ("approved", "SF1234567890")
    assert points(inst, member["id"]) == 2000 and entries(inst, member["id"])[-1][:2] == (-6000, "redemption")
    assert ledger_ok(inst)
    # the record's page: the history (who, decision, comment) and the diagram with where it ended
    detail = olga.get(f"/loyalty/redemptions/{red['id']}").get_data(as_text=True)
    assert "大额兑换审批" in detail and "库存充足" in detail and "已发顺丰" in detail and "<svg" in detail
    history = olga.get(f"/api/loyalty/redemptions/{red['id']}/flows").get_json()["flows"][0]
    assert history["status"] == "done" and history["end"] == "done"
    assert [(h["node"], h["decision"], h["by"], h["comment"]) for h in history["history"]] == [
        ("ops", "started", "mia", None), ("ops", "approve", "olga", "库存充足"), ("ship", "complete", "wes", "已发顺丰"),
        ("done", "end", None, None)]
    # each assignee was told through the outbox: the two operators, then the warehouse
    assert sorted(r for r, _s in outbox(inst)) == ["olga", "otto", "wes"]


def test_L11_a_rejection_returns_the_held_points_and_the_stock(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 6000)
    product, red = exchange(app, inst, member, 6000, stock=1)
    assert points(inst, member["id"]) == 0 and inst.records.get("products", product["id"])["stock"] == 0
    otto, h = client_for(app, "otto")
    task = otto.get("/api/loyalty/inbox").get_json()["tasks"][0]["id"]
    wes, wh = client_for(app, "wes")
    refused = wes.post(f"/api/loyalty/tasks/{task}/decide", json={"decision": "approve"}, headers=wh)
    assert refused.status_code == 403 and refused.get_json()["error"]["message"] == "这个待办没有分配给你"
    bad = otto.post(f"/api/loyalty/tasks/{task}/decide", json={"decision": "maybe"}, headers=h)
    assert bad.status_code == 422 and "decision" in bad.get_json()["error"]["fields"]
    resp = otto.post(f"/api/loyalty/tasks/{task}/decide", json={"decision": "reject", "comment": "地址不全"}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["flow_status"] == "done"
    after = inst.records.get("redemptions", red["id"])
    assert after["status"] == "rejected"
    assert points(inst, member["id"]) == 6000
    # the reversal of the held entry, under the flow's own key
    assert entries(inst, member["id"])[-2:] == [(-6000, "redemption", f"redemption-{red['id']}"),
                                                (6000, "redemption", f"redemption-refund-{red['id']}")]
    assert inst.records.get("products", product["id"])["stock"] == 1
    assert ledger_ok(inst)
    again = otto.post(f"/api/loyalty/tasks/{task}/decide", json={"decision": "approve"}, headers=h)
    assert again.status_code == 409 and "已被处理" in again.get_json()["error"]["message"]


def test_L11_a_small_redemption_completes_at_once(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 6000)
    _product, red = exchange(app, inst, member, 5000)
    assert red["status"] == "completed" and points(inst, member["id"]) == 1000
    olga, _h = client_for(app, "olga")
    assert olga.get("/api/loyalty/inbox").get_json()["tasks"] == []
    assert olga.get(f"/api/loyalty/redemptions/{red['id']}/flows").get_json()["flows"] == []


def test_L11_the_redemption_changes_only_through_its_flow(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 9000)
    _product, red = exchange(app, inst, member, 7000)
    olga, h = client_for(app, "olga")
    resp = olga.patch(f"/api/loyalty/redemptions/{red['id']}", json={"status": "approved"}, headers=h)
    assert resp.status_code == 409 and "流程" in resp.get_json()["error"]["message"]
    detail = olga.get(f"/loyalty/redemptions/{red['id']}").get_data(as_text=True)
    assert "流程结束前只能通过流程的待办修改" in detail and f"/loyalty/redemptions/{red['id']}/edit" not in detail
    page = submit(olga, f"/loyalty/redemptions/{red['id']}/edit", {"status": "approved"})
    assert page.status_code == 409 and inst.records.get("redemptions", red["id"])["status"] == "pending"


def test_L11_an_approval_nobody_makes_in_two_days_goes_to_the_admins(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 9000)
    _product, red = exchange(app, inst, member, 7000)
    runtime = inst.form.extensions["flows"]
    assert runtime.run_timeouts(store.utcnow() + dt.timedelta(days=1)) == 0
    assert runtime.run_timeouts(store.utcnow() + dt.timedelta(days=2, minutes=1)) == 1
    olga, _ = client_for(app, "olga")
    ada, h = client_for(app, "ada")
    assert olga.get("/api/loyalty/inbox").get_json()["tasks"] == []
    task = ada.get("/api/loyalty/inbox").get_json()["tasks"]
    assert [t["node"] for t in task] == ["ops"]
    assert ada.post(f"/api/loyalty/tasks/{task[0]['id']}/decide", json={"decision": "approve"},
                    headers=h).status_code == 200
    assert inst.records.get("redemptions", red["id"])["status"] == "pending"       # on to the warehouse


def test_L11_a_platform_administrator_may_decide_any_task(loyalty):
    platform, inst, member, app = loyalty
    from tests.conftest import sign_in
    create_user(platform, "boss", PASSWORD, is_admin=True)
    give(inst, member["id"], 9000)
    _product, red = exchange(app, inst, member, 7000)
    boss = app.test_client()
    sign_in(boss, "boss", PASSWORD)
    tasks = boss.get("/api/loyalty/inbox").get_json()["tasks"]
    assert [(t["node"], t["record"]["id"]) for t in tasks] == [("ops", red["id"])]
    resp = submit(boss, f"/loyalty/inbox/{tasks[0]['id']}", {"decision": "reject", "comment": "老板否决"},
                  form_url="/loyalty/inbox")
    assert resp.status_code == 303 and inst.records.get("redemptions", red["id"])["status"] == "rejected"
    detail = boss.get(f"/loyalty/redemptions/{red['id']}").get_data(as_text=True)
    assert "老板否决" in detail and 'class="node end current"' in detail     # the diagram lights the end reached


def test_L11_the_flow_page_draws_the_flow(loyalty):
    platform, inst, member, app = loyalty
    olga, _ = client_for(app, "olga")
    home = olga.get("/loyalty/").get_data(as_text=True)
    assert "/loyalty/inbox" in home and "/loyalty/flows/big_redemption" in home
    page = olga.get("/loyalty/flows/big_redemption").get_data(as_text=True)
    assert "<svg" in page and "运营审批" in page and "仓库发货" in page
    assert csrf_from(olga.get("/loyalty/inbox").get_data(as_text=True))
