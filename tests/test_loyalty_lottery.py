"""L9 lucky draw (apps/loyalty.yaml: lucky_draw, table lottery_draws), acted out by a signed-in member
pressing the button on their own record."""
import shutil
from collections import Counter

from runtime.auth import create_user, grant
from tests import test_loyalty_rules as base
from tests.test_loyalty_rules import client_for, count, entries, give, ledger_ok, points

loyalty = base.loyalty
WEIGHTS = "[20, 5, 15, 60]"         # points_50, points_200, coupon, none: as shipped


def draw(mia, h, member_id):
    return mia.post(f"/api/loyalty/members/{member_id}/actions/lucky_draw", headers=h)


def test_L9_each_draw_costs_20_points_and_pays_its_prize(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 2000)
    mia, h = client_for(app, "mia")
    page = mia.get(f"/loyalty/members/{member['id']}").get_data(as_text=True)
    assert f"/loyalty/members/{member['id']}/actions/lucky_draw" in page and "抽奖" in page
    for _ in range(60):
        assert draw(mia, h, member["id"]).status_code == 200
    draws = mia.get("/api/loyalty/lottery_draws?limit=100").get_json()["data"]
    assert len(draws) == 60 and all(d["cost"] == 20 and d["member"] == member["id"] for d in draws)
    won = {"points_50": 50, "points_200": 200, "coupon": 0, "none": 0}
    assert all(d["points_won"] == won[d["prize"]] for d in draws)
    prizes = Counter(d["prize"] for d in draws)
    assert prizes["none"] > 0 and set(prizes) <= set(won)
    coupons = mia.get("/api/loyalty/coupons?limit=100").get_json()["data"]
    assert sorted(c["id"] for c in coupons) == sorted(d["coupon"] for d in draws if d["prize"] == "coupon")
    assert all(c["source"] == "lottery" for c in coupons)
    assert points(inst, member["id"]) == 2000 - 60 * 20 + sum(d["points_won"] for d in draws)
    lottery = [c for c, reason, _k in entries(inst, member["id"]) if reason == "lottery"]
    assert lottery.count(-20) == 60 and sum(c for c in lottery if c > 0) == sum(d["points_won"] for d in draws)
    assert ledger_ok(inst)


def test_L9_zero_weight_prizes_never_come_out(make_platform, tmp_path):
    text = base.LOYALTY.read_text(encoding="utf-8")
    assert text.count(WEIGHTS) == 1
    rigged = tmp_path / "loyalty.yaml"
    shutil.copytree(base.ROOT / "apps" / "loyalty", tmp_path / "loyalty")      # its included dashboards
    rigged.write_text(text.replace(WEIGHTS, "[0, 1, 0, 1]").replace("../builder", str(base.ROOT / "builder")),
                      encoding="utf-8")
    platform, inst, member, app = base._loyalty(make_platform, str(rigged))
    give(inst, member["id"], 2000)
    mia, h = client_for(app, "mia")
    for _ in range(40):
        assert draw(mia, h, member["id"]).status_code == 200
    prizes = Counter(d["prize"] for d in mia.get("/api/loyalty/lottery_draws?limit=100").get_json()["data"])
    assert set(prizes) == {"points_200", "none"} and sum(prizes.values()) == 40
    assert count(inst, "coupons") == 0
    assert points(inst, member["id"]) == 2000 - 40 * 20 + 200 * prizes["points_200"]
    assert ledger_ok(inst)


def test_L9_not_enough_points_refuses_the_draw(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 19)
    mia, h = client_for(app, "mia")
    resp = draw(mia, h, member["id"])
    assert resp.status_code == 409 and resp.get_json()["error"]["message"] == "积分不足：当前积分 19，需要 20"
    assert count(inst, "lottery_draws") == 0 and count(inst, "coupons") == 0
    assert points(inst, member["id"]) == 19 and len(entries(inst, member["id"])) == 1
    # only members draw, and only for themselves
    sam, sh = client_for(app, "sam")
    assert draw(sam, sh, member["id"]).status_code == 403
    uid = create_user(platform, "max", base.PASSWORD)
    grant(platform, "max", "loyalty", "member")
    inst.records.create("members", {"name": "Max", "phone": "13800138001", "account": uid})
    give(inst, member["id"], 100)
    max_, mh = client_for(app, "max")
    assert draw(max_, mh, member["id"]).status_code == 404                  # not his record
    assert count(inst, "lottery_draws") == 0 and points(inst, member["id"]) == 119
    assert ledger_ok(inst)
