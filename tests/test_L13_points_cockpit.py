"""L13: the points cockpit shows what happened, as the operator opens it: points issued and consumed,
the liability, consumption by reason, the campaign's effect and the members by points held, each
number worked out by hand from the few things done here through the API."""
from __future__ import annotations

from decimal import Decimal

from tests import test_loyalty_rules as base
from tests.test_loyalty_rules import client_for, give

loyalty = base.loyalty


def indicator(chart) -> dict:
    """{measure title: value} of an indicator chart's figure."""
    return {d["title"]["text"].split("<br>")[0]: d["value"] for d in chart["figure"]["data"]}


def test_L13_the_points_cockpit_shows_the_period_s_points(loyalty):
    platform, inst, mia, app = loyalty
    olga, h = client_for(app, "olga")
    give(inst, mia["id"], 1000)                                                  # issued 1000
    order = olga.post("/api/loyalty/orders", json={"order_no": "C-1", "member": mia["id"], "amount": "259.90",
                                                   "status": "paid"}, headers=h).get_json()
    assert olga.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"},
                      headers=h).status_code == 200                              # issued 259 (normal tier)
    cup = olga.post("/api/loyalty/products", json={"name": "保温杯", "points_cost": 300, "stock": 5},
                    headers=h).get_json()
    member, mh = client_for(app, "mia")
    assert member.post(f"/api/loyalty/products/{cup['id']}/actions/exchange", headers=mh).status_code == 200  # -300
    campaign = olga.post("/api/loyalty/campaigns", json={"name": "周年庆", "points": 50}, headers=h).get_json()
    assert olga.post(f"/api/loyalty/campaigns/{campaign['id']}/actions/grant", headers=h).status_code == 200  # +50
    resp = olga.get("/api/loyalty/dashboards/points_cockpit", environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert resp.status_code == 200
    charts = resp.get_json()["charts"]
    cards = indicator(charts["cards"])
    assert cards["Points issued"] == 1000 + 259 + 50 and cards["Points consumed"] == 300
    assert Decimal(str(cards["Points liability (yuan)"])) == Decimal("10.09")   # (1309 - 300) points at 0.01
    assert indicator(charts["campaign"]) == {"Campaign participants": 1, "Campaign points": 50}
    pie = charts["reasons"]["figure"]["data"][0]
    spent = {label: value for label, value in zip(pie["labels"], pie["values"]) if value}
    assert spent == {"Redemption": 300}
    funnel = charts["segments"]["figure"]["data"][0]
    assert dict(zip(funnel["y"], funnel["x"])) == {"Members": 1, "Low (<1000)": 0, "Mid": 1, "High (5000+)": 0}
    page = olga.get("/loyalty/dashboards/points_cockpit").get_data(as_text=True)
    assert "积分驾驶舱" in page and "plotly" in page
    staff, _ = client_for(app, "sam")
    assert staff.get("/api/loyalty/dashboards/points_cockpit").status_code == 404   # not a store's to see
