"""L14: the member KPIs as the operator reads them: repurchase rate, days between purchases, ARPU and
the check-in rate, on two members whose purchases and check-ins are made here, the expected numbers
worked out by hand."""
from __future__ import annotations

from decimal import Decimal

from tests import test_loyalty_rules as base
from tests.test_loyalty_rules import client_for

loyalty = base.loyalty


def last(chart, measure_title):
    """The last bucket's value of a line or bar chart's series."""
    series = next(d for d in chart["figure"]["data"] if d.get("name") == measure_title or len(chart["figure"]["data"]) == 1)
    return series["y"][-1]


def test_L14_repurchase_arpu_and_check_in_rate(loyalty):
    platform, inst, mia, app = loyalty
    olga, h = client_for(app, "olga")
    bob = olga.post("/api/loyalty/members", json={"name": "Bob", "phone": "13900001111"}, headers=h).get_json()
    for no, who, amount in (("K-1", mia, "100.00"), ("K-2", mia, "300.00"), ("K-3", bob, "200.00")):
        order = olga.post("/api/loyalty/orders", json={"order_no": no, "member": who["id"], "amount": amount,
                                                       "status": "paid"}, headers=h).get_json()
        assert olga.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=h).status_code == 200
    member, mh = client_for(app, "mia")
    assert member.post(f"/api/loyalty/members/{mia['id']}/actions/check_in", headers=mh).status_code == 200
    charts = olga.get("/api/loyalty/dashboards/kpis", environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"}).get_json()["charts"]
    # this month: two buyers, one of whom bought twice
    assert Decimal(str(last(charts["repurchase"], "Repurchase rate"))) == Decimal("50")   # percent
    headline = {d["title"]["text"].split("<br>")[0]: d["value"] for d in charts["headline"]["figure"]["data"]}
    assert Decimal(str(headline["Member ARPU"])) == Decimal("300")          # 600 yuan over 2 members
    assert 0 <= headline["Avg days between purchases"] < 1 / 24             # mia's two, a moment apart
    assert Decimal(str(last(charts["check_in_rate"], "Check-in rate"))) == Decimal("50")   # percent: 1 of 2 this week
