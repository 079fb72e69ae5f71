"""L5: during a campaign an operator grants points to a chosen group of members (a tier, a province,
registered before a date), once, with the campaign's button; each member gets one ledger entry with
the campaign's expiry; pressing it again grants nothing."""
from __future__ import annotations

import sqlalchemy as sa

from tests import test_loyalty_rules as base
from tests.conftest import submit
from tests.test_loyalty_rules import client_for, ledger_ok, points

loyalty = base.loyalty


def test_L5_a_campaign_grants_its_points_to_the_chosen_group_once(loyalty):
    platform, inst, mia, app = loyalty
    r = inst.records
    vip_gd = r.create("members", {"name": "广东VIP", "phone": "13800000001", "region": "广东省/深圳市/南山区"})
    vip_sh = r.create("members", {"name": "上海VIP", "phone": "13800000002", "region": "上海市/上海市/浦东新区"})
    normal_gd = r.create("members", {"name": "广东普通", "phone": "13800000003", "region": "广东省/广州市/天河区"})
    members = inst.form.sql["members"]
    with inst.form.engine.begin() as conn:       # tiers as L10's upgrades would have left them
        conn.execute(members.update().where(members.c.id.in_([vip_gd["id"], vip_sh["id"]])).values(tier="vip"))
    olga, h = client_for(app, "olga")
    made = olga.post("/api/loyalty/campaigns", json={"name": "周年庆", "points": 888, "tier": "vip",
                                                     "province": "广东省", "expires_on": "2027-06-30"}, headers=h)
    assert made.status_code == 201, made.get_json()
    campaign = made.get_json()
    page = olga.get(f"/loyalty/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "发放活动积分" in page
    resp = submit(olga, f"/loyalty/campaigns/{campaign['id']}/actions/grant", {},
                  form_url=f"/loyalty/campaigns/{campaign['id']}")
    assert resp.status_code == 303
    assert points(inst, vip_gd["id"]) == 888
    assert points(inst, vip_sh["id"]) == 0 and points(inst, normal_gd["id"]) == 0 and points(inst, mia["id"]) == 0
    after = r.get("campaigns", campaign["id"])
    assert after["granted_to"] == 1 and after["granted_at"] is not None
    ledger = inst.form.sql["points_ledger"]
    with inst.form.engine.connect() as conn:
        rows = conn.execute(sa.select(ledger.c.member, ledger.c.change, ledger.c.reason, ledger.c.reference,
                                      ledger.c.expires_on).where(ledger.c.reason == "campaign")).all()
    assert [(m, c, why, ref, str(exp)) for m, c, why, ref, exp in rows] == \
        [(vip_gd["id"], 888, "campaign", "周年庆", "2027-06-30")]
    again = olga.post(f"/api/loyalty/campaigns/{campaign['id']}/actions/grant", headers=h)
    assert again.status_code == 422 and again.get_json()["error"]["message"] == "该活动的积分已经发放过了"
    assert points(inst, vip_gd["id"]) == 888
    # no tier and no province: everyone
    everyone = olga.post("/api/loyalty/campaigns", json={"name": "会员日", "points": 10}, headers=h).get_json()
    assert olga.post(f"/api/loyalty/campaigns/{everyone['id']}/actions/grant", headers=h).status_code == 200
    assert [points(inst, m["id"]) for m in (mia, vip_gd, vip_sh, normal_gd)] == [10, 898, 10, 10]
    assert r.get("campaigns", everyone["id"])["granted_to"] == 4
    staff, sh = client_for(app, "sam")
    assert staff.post(f"/api/loyalty/campaigns/{everyone['id']}/actions/grant", headers=sh).status_code == 403
    assert ledger_ok(inst)
