"""L1: the loyalty app's tables, as an operator finds them; M2: the membership card's member form,
filled in on the real page (the phone validated, the tier a drop-down, initial points
opening the member's points ledger)."""
from __future__ import annotations

import re

from tests import test_loyalty_rules as base
from tests.conftest import submit
from tests.test_card_rules import APP, client_for as card_client, shop  # noqa: F401 - the fixture
from tests.test_loyalty_rules import client_for, give

loyalty = base.loyalty


def test_L1_the_loyalty_tables_hold_members_their_ledger_products_redemptions_orders_and_coupons(loyalty):
    platform, inst, mia, app = loyalty
    olga, h = client_for(app, "olga")
    home = olga.get("/loyalty/").get_data(as_text=True)
    for label in ("会员", "积分流水", "积分商城商品", "积分兑换", "订单", "优惠券"):
        assert label in home, label
    give(inst, mia["id"], 120)
    give(inst, mia["id"], -20)
    member = olga.get(f"/api/loyalty/members/{mia['id']}").get_json()
    assert {"user_id", "name", "points", "tier"} <= set(member) and member["points"] == 100
    ledger = olga.get(f"/api/loyalty/points_ledger?member={mia['id']}&sort=id").get_json()["data"]
    assert [(e["change"], e["reason"], e["balance_after"]) for e in ledger] == [(120, "adjustment", 120),
                                                                               (-20, "adjustment", 100)]
    assert all(e["occurred_at"] for e in ledger)                     # every change with its time
    changed = olga.patch(f"/api/loyalty/points_ledger/{ledger[0]['id']}", json={"change": 999}, headers=h)
    assert changed.status_code in (403, 409, 422)                    # entries are never rewritten
    for table in ("products", "redemptions", "orders", "coupons"):
        assert olga.get(f"/api/loyalty/{table}").status_code == 200, table


def test_M2_the_member_form_validates_the_phone_and_opens_the_points(shop):
    platform, inst, app, store, lily = shop
    staff, _h = card_client(app, "boss")            # the app's admin: store staff may not set a tier
    form = staff.get(f"/{APP}/members/new").get_data(as_text=True)
    assert 'name="name"' in form and 'name="phone"' in form and 'name="initial_points"' in form
    assert 'name="birthday"' in form and 'type="file"' in form and 'name="avatar"' in form
    tier = re.search(r'<select[^>]*name="tier".*?</select>', form, re.S).group(0)
    assert all(f'value="{k}"' in tier for k in ("normal", "silver", "gold"))
    values = {"name": "周婷", "phone": "1234", "initial_points": "300", "birthday": "1992-08-15", "tier": "silver",
              "store": str(store["id"])}
    bad = submit(staff, f"/{APP}/members/new", values)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="field-phone"' in page and "field-error" in page
    good = submit(staff, f"/{APP}/members/new", {**values, "phone": "139 0000 0009"})
    assert good.status_code in (302, 303)
    made = inst.records.get("members", int(good.headers["Location"].rstrip("/").split("/")[-1]))
    assert (made["phone"], made["tier"], made["points"]) == ("+8613900000009", "silver", 300)   # opening points
