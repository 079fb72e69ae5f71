"""L12 pages for members (apps/loyalty.yaml `pages:`): "My points" and "Points mall", as a signed-in
member sees them, through the real sign-in and the real buttons."""
import re

from runtime.auth import create_user, grant
from tests import test_loyalty_rules as base
from tests.screens_fixture import press, section, text_of
from tests.test_loyalty_rules import client_for, count, entries, give, ledger_ok, points

loyalty = base.loyalty
MY_POINTS = "/loyalty/pages/my_points"
MALL = "/loyalty/pages/points_mall"


def other_member(platform, inst, name="ben", phone="13800138111"):
    uid = create_user(platform, name, base.PASSWORD)
    grant(platform, name, "loyalty", "member")
    return inst.records.create("members", {"name": name.title(), "phone": phone, "account": uid})


def test_L12_my_points_shows_the_members_stat_cards_and_recent_ledger(loyalty):
    platform, inst, member, app = loyalty
    give(inst, member["id"], 800)
    inst.records.create("points_ledger", {"member": member["id"], "change": 10, "reason": "check_in"})
    mia, _h = client_for(app, "mia")
    resp = mia.get(MY_POINTS, headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    stats = text_of(re.search(r'<section class="screen-part stats">.*?</section>', page, re.S).group(0))
    assert stats == "Current points 810 Tier Normal Points earned to date 810"
    recent = section(page, "Recent points")
    assert recent.startswith("Recent points 2 in total")
    # newest first, with the balance each entry left
    assert recent.index("Check-in") < recent.index("Adjustment")
    assert "Balance after 810" in recent and "Balance after 800" in recent
    assert "Mia" in section(page, "My details")


def test_L12_the_chart_on_my_points_counts_only_the_members_own_entries(loyalty):
    platform, inst, member, app = loyalty
    ben = other_member(platform, inst)
    give(inst, member["id"], 300)
    give(inst, ben["id"], 7000)
    mia, _h = client_for(app, "mia")
    page = mia.get(MY_POINTS).get_data(as_text=True)
    figure = re.search(r'class="chart" data-figure="([^"]*)"', page).group(1)
    import html
    import json
    data = json.loads(html.unescape(figure))["data"]
    issued = next(trace for trace in data if trace["type"] == "bar" and sum(v or 0 for v in trace["y"]) > 0)
    assert sum(issued["y"]) == 300                 # not the 7,000 of another member


def test_L12_a_member_sees_only_their_own_records(loyalty):
    platform, inst, member, app = loyalty
    ben = other_member(platform, inst)
    give(inst, ben["id"], 4321)
    give(inst, member["id"], 55)
    mia, _h = client_for(app, "mia")
    words = text_of(mia.get(MY_POINTS).get_data(as_text=True))
    assert "4,321" not in words and "Ben" not in words and "55" in words
    # the search of a page for the member's own record takes no ?q= of another member
    assert "4,321" not in text_of(mia.get(MY_POINTS + "?q=13800138111").get_data(as_text=True))


def test_L12_the_points_mall_exchanges_a_product_with_its_card_button(loyalty):
    platform, inst, member, app = loyalty
    cup = inst.records.create("products", {"name": "保温杯", "points_cost": 300, "stock": 5})
    inst.records.create("products", {"name": "旧款雨伞", "points_cost": 100, "stock": 5, "active": False})
    give(inst, member["id"], 1000)
    mia, _h = client_for(app, "mia")
    page = mia.get(MALL).get_data(as_text=True)
    grid = section(page, "可兑换商品")
    assert "保温杯 所需积分 300" in grid and "兑换" in grid
    assert "旧款雨伞" not in grid                   # not on sale: members may not read it
    resp = press(mia, page, cup["id"], MALL)
    assert resp.status_code == 303 and resp.headers["Location"] == MALL
    after = mia.get(MALL).get_data(as_text=True)
    assert "兑换 ✓" in text_of(after)
    assert "当前积分 700" in text_of(after)
    assert entries(inst, member["id"])[-1][:2] == (-300, "redemption")
    assert inst.records.get("products", cup["id"])["stock"] == 4
    assert "保温杯" in section(mia.get(MY_POINTS).get_data(as_text=True), "我的兑换")
    assert ledger_ok(inst)


def test_L12_not_enough_points_is_said_clearly_and_nothing_is_kept(loyalty):
    platform, inst, member, app = loyalty
    tv = inst.records.create("products", {"name": "电视", "points_cost": 3000, "stock": 2})
    give(inst, member["id"], 500)
    mia, _h = client_for(app, "mia")
    page = mia.get(MALL, headers={"Accept-Language": "en"}).get_data(as_text=True)
    resp = press(mia, page, tv["id"], MALL)
    assert resp.headers["Location"] == MALL
    words = text_of(mia.get(MALL).get_data(as_text=True))
    assert "积分不足：当前积分 500，需要 3000" in words
    assert points(inst, member["id"]) == 500 and count(inst, "redemptions") == 0
    assert inst.records.get("products", tv["id"])["stock"] == 2


def test_L12_the_pages_are_for_members_only(loyalty):
    platform, inst, member, app = loyalty
    sam, _h = client_for(app, "sam")                # store staff
    assert sam.get(MY_POINTS).status_code == 404
    assert "我的积分" not in text_of(sam.get("/loyalty/").get_data(as_text=True))
    mia, _h = client_for(app, "mia")
    home = mia.get("/loyalty/").get_data(as_text=True)
    assert 'href="/loyalty/pages/my_points"' in home and 'href="/loyalty/pages/points_mall"' in home
    assert "我的积分" in text_of(mia.get("/loyalty/pages/").get_data(as_text=True))


def test_L12_a_member_account_without_a_member_record_is_told_so(loyalty):
    platform, inst, member, app = loyalty
    create_user(platform, "nora", base.PASSWORD)
    grant(platform, "nora", "loyalty", "member")
    nora, _h = client_for(app, "nora")
    words = text_of(nora.get(MY_POINTS, headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "你的账号在这里还没有资料。" in words or "Your account has no record here yet." in words
    assert "Current points" not in words and "当前积分" not in words
