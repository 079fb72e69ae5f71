"""M8 and M9: the membership-card dashboards as the owner opens them, on consumptions the store staff
record here: members per tier, spend per tier and store, register -> first -> repeat purchase, the
repurchase rate and the average order value, each number worked out by hand."""
from __future__ import annotations

from decimal import Decimal

from tests.test_card_rules import APP, client_for, consume, shop  # noqa: F401 - the fixture


def series(chart) -> dict:
    data = chart["figure"]["data"][0]
    if "labels" in data:
        return dict(zip(data["labels"], data["values"]))
    return dict(zip(data["y"], data["x"])) if chart["type"] == "funnel" else dict(zip(data["x"], data["y"]))


def recorded(shop):
    """Three members of the store; the staff record lily's two purchases and wang's one."""
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    wang = staff.post(f"/api/{APP}/members", json={"name": "王伟", "phone": "13900000002", "store": store["id"]},
                      headers=h).get_json()
    chen = staff.post(f"/api/{APP}/members", json={"name": "陈静", "phone": "13900000003", "store": store["id"]},
                      headers=h).get_json()
    for member, amount in ((lily, "100.00"), (lily, "50.00"), (wang, "210.00")):
        assert consume(staff, h, member, store, amount, method="cash").status_code == 201
    assert chen["id"] != wang["id"]
    return app, client_for(app, "boss")[0]


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_M8_the_dashboard_shows_members_spend_and_the_purchase_funnel(shop):
    app, boss = recorded(shop)
    overview = boss.get(f"/api/{APP}/dashboards/overview", environ_overrides=EN).get_json()["charts"]
    # three members registered, two bought, one of them twice
    assert series(overview["funnel"]) == {"Members": 3, "First purchase": 2, "Repeat purchase": 1}
    assert sum(series(overview["tiers"]).values()) == 3
    assert {k: Decimal(str(v)) for k, v in series(overview["tier_spend"]).items() if v} == {"Normal": Decimal("360")}
    assert "plotly" in boss.get(f"/{APP}/dashboards/overview").get_data(as_text=True)


def test_M9_the_kpis_give_the_repurchase_rate_and_the_average_order_value(shop):
    app, boss = recorded(shop)
    kpis = boss.get(f"/api/{APP}/dashboards/kpis", environ_overrides=EN).get_json()["charts"]
    cards = {d["title"]["text"].split("<br>")[0]: d["value"] for d in kpis["cards"]["figure"]["data"]}
    assert Decimal(str(cards["Repurchase rate"])) == Decimal("50")               # 1 of the 2 buyers, in percent
    assert Decimal(str(cards["Avg order value (members)"])) == Decimal("120")   # 360 over 3 purchases
    member, _ = client_for(app, "lily")
    assert member.get(f"/api/{APP}/dashboards/kpis").status_code == 404         # not a member's to see
