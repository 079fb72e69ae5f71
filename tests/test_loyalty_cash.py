"""L8 points as cash (apps/loyalty.yaml: pay_with_points, refund_points, and L2's earn_on_order on the
cash part), acted out by store staff at the till through the API."""
from decimal import Decimal

from tests import test_loyalty_rules as base
from tests.test_loyalty_rules import client_for, count, entries, give, ledger_ok, points

loyalty = base.loyalty


def test_L8_points_pay_part_of_an_order_and_points_are_earned_on_the_cash_part(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 1000)
    sam, h = client_for(app, "sam")
    resp = sam.post("/api/loyalty/orders", json={"order_no": "C-1", "member": member["id"], "amount": "100.00",
                                                 "points_used": 550, "status": "paid"}, headers=h)
    assert resp.status_code == 201, resp.get_json()
    order = resp.get_json()
    assert Decimal(order["cash_paid"]) == Decimal("94.50")               # 550 points = 5.50 yuan
    assert points(inst, member["id"]) == 450
    assert entries(inst, member["id"])[-1] == (-550, "cash", f"order-cash-{order['id']}")
    assert sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=h).status_code == 200
    assert points(inst, member["id"]) == 450 + 94                         # L2 on 94.50 yuan, floored
    me = inst.records.get("members", member["id"])
    assert me["total_earned"] == 1000 + 94                                # spending is not earning
    assert ledger_ok(inst)


def test_L8_without_points_cash_paid_is_the_amount(loyalty):
    platform, inst, member, app = loyalty
    sam, h = client_for(app, "sam")
    order = sam.post("/api/loyalty/orders", json={"order_no": "C-2", "member": member["id"], "amount": "59.90",
                                                  "cash_paid": "1.00"}, headers=h).get_json()
    assert Decimal(order["cash_paid"]) == Decimal("59.90") and entries(inst, member["id"]) == []


def test_L8_refusals_keep_nothing(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 300)
    sam, h = client_for(app, "sam")
    worth_more = sam.post("/api/loyalty/orders", json={"order_no": "C-3", "member": member["id"], "amount": "2.00",
                                                       "points_used": 201}, headers=h)
    assert worth_more.status_code == 422
    assert worth_more.get_json()["error"]["fields"] == {"points_used": "抵扣的积分超过了订单金额（100积分抵1元）"}
    too_many = sam.post("/api/loyalty/orders", json={"order_no": "C-3", "member": member["id"], "amount": "20.00",
                                                     "points_used": 500}, headers=h)
    assert too_many.status_code == 409 and "积分不足" in too_many.get_json()["error"]["message"]
    assert count(inst, "orders") == 0 and points(inst, member["id"]) == 300 and len(entries(inst, member["id"])) == 1
    exact = sam.post("/api/loyalty/orders", json={"order_no": "C-3", "member": member["id"], "amount": "3.00",
                                                  "points_used": 300}, headers=h)
    assert exact.status_code == 201 and Decimal(exact.get_json()["cash_paid"]) == 0 and points(inst, member["id"]) == 0


def test_L8_a_refund_gives_back_the_points_spent_and_takes_back_the_points_earned(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 500)
    sam, h = client_for(app, "sam")
    order = sam.post("/api/loyalty/orders", json={"order_no": "C-4", "member": member["id"], "amount": "300.00",
                                                  "points_used": 400}, headers=h).get_json()
    sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=h)
    assert points(inst, member["id"]) == 100 + 296
    resp = sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "refunded"}, headers=h)
    assert resp.status_code == 200, resp.get_json()
    assert points(inst, member["id"]) == 500                              # as before the order
    assert [(c, r) for c, r, _k in entries(inst, member["id"])] == \
        [(500, "adjustment"), (-400, "cash"), (296, "order"), (400, "cash"), (-296, "order")]
    assert inst.records.get("members", member["id"])["total_earned"] == 500     # the earning taken back
    # refunded again (back and forth) gives nothing twice: the reversals have keys
    sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=h)
    sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "refunded"}, headers=h)
    assert points(inst, member["id"]) == 500 and len(entries(inst, member["id"])) == 5
    assert ledger_ok(inst)
