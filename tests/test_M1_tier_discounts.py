"""M1: a member's tier gives a discount off the list price at the till (normal 2%, silver 5%, gold
10%); the card pays, and the points are earned, on what is paid."""
from __future__ import annotations

from decimal import Decimal

from tests.test_card_rules import APP, client_for, shop  # noqa: F401 - the fixture


def test_M1_each_tier_pays_its_discounted_price_and_earns_on_it(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    members = inst.form.sql["members"]
    made = {}
    for name, phone, tier in (("普通", "13900000011", "normal"), ("银卡", "13900000012", "silver"),
                              ("金卡", "13900000013", "gold")):
        m = staff.post(f"/api/{APP}/members", json={"name": name, "phone": phone, "store": store["id"]},
                       headers=h).get_json()
        with inst.form.engine.begin() as conn:
            conn.execute(members.update().where(members.c.id == m["id"]).values(tier=tier))
        made[tier] = m
    paid = {}
    for tier, m in made.items():
        resp = staff.post(f"/api/{APP}/consumptions", json={"member": m["id"], "list_amount": "200.00",
                                                           "payment_method": "cash", "store": store["id"]}, headers=h)
        assert resp.status_code == 201, resp.get_json()
        c = resp.get_json()
        paid[tier] = (Decimal(c["amount"]), Decimal(c["discount"]), c["points_earned"])
    assert paid == {"normal": (Decimal("196.00"), 2, 19), "silver": (Decimal("190.00"), 5, 19),
                    "gold": (Decimal("180.00"), 10, 18)}          # amount / 10 points on what is paid (M6)
    # an amount given as paid is kept as it is
    plain = staff.post(f"/api/{APP}/consumptions", json={"member": made["gold"]["id"], "amount": "50.00",
                                                        "payment_method": "cash", "store": store["id"]}, headers=h)
    assert plain.status_code == 201 and Decimal(plain.get_json()["amount"]) == Decimal("50.00")
    neither = staff.post(f"/api/{APP}/consumptions", json={"member": made["gold"]["id"], "payment_method": "cash",
                                                          "store": store["id"]}, headers=h)
    assert neither.status_code == 422 and "amount" in neither.get_json()["error"]["fields"]


def test_M1_spending_moves_members_up_to_silver_then_gold(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")

    def spend(amount):
        resp = staff.post(f"/api/{APP}/consumptions", json={"member": lily["id"], "amount": amount,
                                                           "payment_method": "cash", "store": store["id"]}, headers=h)
        assert resp.status_code == 201, resp.get_json()
        return inst.records.get("members", lily["id"])["tier"]
    assert spend("3000.00") == "normal"
    assert spend("2000.00") == "silver"                    # 5,000 spent in all
    assert spend("14999.99") == "silver"
    assert spend("0.01") == "gold"                         # 20,000
    paid = staff.post(f"/api/{APP}/consumptions", json={"member": lily["id"], "list_amount": "100.00",
                                                       "payment_method": "cash", "store": store["id"]}, headers=h)
    assert Decimal(paid.get_json()["amount"]) == Decimal("90.00")      # and a gold member pays 10% less
