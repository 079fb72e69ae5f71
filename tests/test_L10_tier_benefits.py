"""L10: what a tier gives beyond the earn rate and the birthday gift, acted out as the members and the
staff do it: early access to new products (a VIP 3 days before they go on sale, a VVIP 7, everyone
else from the day) and a dedicated service (a VIP's or VVIP's request is high priority, due in 2
hours and goes to the vip_service queue; anyone else's is due in 24 hours, with the operators)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from runtime.auth import create_user, grant
from tests import test_loyalty_rules as base
from tests.screens_fixture import field_error, post_form, press, section, text_of
from tests.test_loyalty_rules import client_for, count, entries, give, ledger_ok, points

loyalty = base.loyalty
MALL = "/loyalty/pages/points_mall"
SERVICE = "/loyalty/pages/my_service"


def shanghai_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def set_tier(inst, member_id, tier):
    """The tier as the member's earnings left it (tier_vip / tier_vvip write it, nobody types it)."""
    members = inst.form.sql["members"]
    with inst.form.engine.begin() as conn:
        conn.execute(members.update().where(members.c.id == member_id).values(tier=tier))


def new_product(inst, name, days_to_sale, cost=300, stock=5):
    """A product that goes on sale `days_to_sale` days from today (None: no date, on sale already)."""
    values = {"name": name, "points_cost": cost, "stock": stock}
    if days_to_sale is not None:
        values["on_sale_from"] = (shanghai_today() + dt.timedelta(days=days_to_sale)).isoformat()
    return inst.records.create("products", values)


def on_sale_words(days_to_sale) -> str:
    d = shanghai_today() + dt.timedelta(days=days_to_sale)
    return f"该商品 {d.month}月{d.day}日 开售"


def stock(inst, product_id):
    return inst.records.get("products", product_id)["stock"]


# -- early access ---------------------------------------------------------------------------------------
def test_L10_a_normal_member_cannot_exchange_a_product_before_it_goes_on_sale(loyalty):
    platform, inst, mia, app = loyalty
    phone = new_product(inst, "新款手机壳", days_to_sale=2)
    give(inst, mia["id"], 1000)
    client, h = client_for(app, "mia")
    resp = client.post(f"/api/loyalty/products/{phone['id']}/actions/exchange", headers=h)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["fields"]["product"] == on_sale_words(2) + "，VIP会员可提前3天兑换"
    en = client.post(f"/api/loyalty/products/{phone['id']}/actions/exchange", headers={**h, "Accept-Language": "en"})
    d = shanghai_today() + dt.timedelta(days=2)
    assert en.get_json()["error"]["fields"]["product"] == \
        f"This product goes on sale on {d.isoformat()}; VIP members may exchange it 3 days before"
    assert count(inst, "redemptions") == 0 and stock(inst, phone["id"]) == 5 and points(inst, mia["id"]) == 1000
    # on the day it goes on sale, anyone may
    on_the_day = new_product(inst, "今天开售的杯子", days_to_sale=0)
    ok = client.post(f"/api/loyalty/products/{on_the_day['id']}/actions/exchange", headers=h)
    assert ok.status_code == 200 and stock(inst, on_the_day["id"]) == 4 and points(inst, mia["id"]) == 700


def test_L10_a_vip_exchanges_three_days_early_and_a_vvip_seven(loyalty):
    platform, inst, mia, app = loyalty
    set_tier(inst, mia["id"], "vip")
    in_three, in_five, in_seven, in_eight = (new_product(inst, f"新品{n}", n) for n in (3, 5, 7, 8))
    give(inst, mia["id"], 2000)
    client, h = client_for(app, "mia")
    resp = client.post(f"/api/loyalty/products/{in_three['id']}/actions/exchange", headers=h)
    assert resp.status_code == 200
    red = client.get("/api/loyalty/redemptions").get_json()["data"]
    assert [(r["product"], r["points_cost"], r["status"]) for r in red] == [(in_three["id"], 300, "completed")]
    assert entries(inst, mia["id"])[-1] == (-300, "redemption", f"redemption-{red[0]['id']}")
    assert stock(inst, in_three["id"]) == 4 and points(inst, mia["id"]) == 1700
    too_soon = client.post(f"/api/loyalty/products/{in_five['id']}/actions/exchange", headers=h)
    assert too_soon.status_code == 422
    assert too_soon.get_json()["error"]["fields"]["product"] == on_sale_words(5) + "，VIP会员可提前3天兑换"

    set_tier(inst, mia["id"], "vvip")
    for product in (in_five, in_seven):
        assert client.post(f"/api/loyalty/products/{product['id']}/actions/exchange", headers=h).status_code == 200
        assert stock(inst, product["id"]) == 4
    eight = client.post(f"/api/loyalty/products/{in_eight['id']}/actions/exchange", headers=h)
    assert eight.status_code == 422
    assert eight.get_json()["error"]["fields"]["product"] == on_sale_words(8) + "，VVIP会员可提前7天兑换"
    assert stock(inst, in_eight["id"]) == 5 and points(inst, mia["id"]) == 1100
    assert ledger_ok(inst)


def test_L10_an_operators_redemption_through_the_api_obeys_the_same_days(loyalty):
    platform, inst, mia, app = loyalty
    ben_uid = create_user(platform, "ben", base.PASSWORD)
    grant(platform, "ben", "loyalty", "member")
    ben = inst.records.create("members", {"name": "Ben", "phone": "13800138111", "account": ben_uid})
    set_tier(inst, ben["id"], "vip")
    soon = new_product(inst, "预售耳机", days_to_sale=3)
    for m in (mia, ben):
        give(inst, m["id"], 1000)
    olga, h = client_for(app, "olga")
    refused = olga.post("/api/loyalty/redemptions", json={"member": mia["id"], "product": soon["id"]}, headers=h)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {"product": on_sale_words(3) + "，VIP会员可提前3天兑换"}
    done = olga.post("/api/loyalty/redemptions", json={"member": ben["id"], "product": soon["id"]}, headers=h)
    assert done.status_code == 201 and done.get_json()["points_cost"] == 300
    assert points(inst, mia["id"]) == 1000 and points(inst, ben["id"]) == 700 and stock(inst, soon["id"]) == 4


def test_L10_the_points_mall_shows_a_new_product_to_those_who_may_exchange_it(loyalty):
    platform, inst, mia, app = loyalty
    new_product(inst, "常卖保温杯", None)
    new_product(inst, "三天后开售的耳机", 3)
    new_product(inst, "七天后开售的音箱", 7)
    soon = new_product(inst, "明天开售的手环", 1)
    give(inst, mia["id"], 1000)
    client, _h = client_for(app, "mia")

    def grid():
        return section(client.get(MALL).get_data(as_text=True), "可兑换商品")

    normal = grid()
    assert "常卖保温杯" in normal
    assert not any(name in normal for name in ("明天开售的手环", "三天后开售的耳机", "七天后开售的音箱"))
    set_tier(inst, mia["id"], "vip")
    vip = grid()
    assert "明天开售的手环" in vip and "三天后开售的耳机" in vip and "七天后开售的音箱" not in vip
    d = shanghai_today() + dt.timedelta(days=1)
    assert f"明天开售的手环 所需积分 300 类型 实物商品 库存 5 开售日期 {d.year}年{d.month}月{d.day}日 兑换" in vip
    set_tier(inst, mia["id"], "vvip")
    assert "七天后开售的音箱" in grid()

    # a card's button pressed on a page opened while VVIP, after the tier went back to normal
    page = client.get(MALL).get_data(as_text=True)
    set_tier(inst, mia["id"], "normal")
    resp = press(client, page, soon["id"], MALL)
    assert resp.status_code == 303 and resp.headers["Location"] == MALL
    assert on_sale_words(1) + "，VIP会员可提前3天兑换" in text_of(client.get(MALL).get_data(as_text=True))
    assert count(inst, "redemptions") == 0 and stock(inst, soon["id"]) == 5


# -- dedicated service -----------------------------------------------------------------------------------
def queue_people(platform):
    for name in ("vera", "victor"):
        create_user(platform, name, base.PASSWORD)
        grant(platform, name, "loyalty", "vip_service")


def messages(inst):
    with inst.form.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT recipient, subject, body FROM tessera_outbox WHERE rule = 'dedicated_service' ORDER BY recipient"))]


def stored_times(inst, request_id):
    """requested_at and due_at as the database holds them: UTC."""
    t = inst.form.sql["service_requests"]
    with inst.form.engine.connect() as conn:
        row = conn.execute(sa.select(t.c.requested_at, t.c.due_at).where(t.c.id == request_id)).one()
    return [v.replace(tzinfo=None) if v.tzinfo is None else v.astimezone(dt.timezone.utc).replace(tzinfo=None)
            for v in row]


def test_L10_a_vips_service_request_from_their_page_is_high_priority_and_due_in_two_hours(loyalty):
    platform, inst, mia, app = loyalty
    queue_people(platform)
    set_tier(inst, mia["id"], "vip")
    client, _h = client_for(app, "mia")
    page = client.get(SERVICE).get_data(as_text=True)
    assert "联系客服" in text_of(page)
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    resp = post_form(client, SERVICE, page, 1, {"category": "delivery", "subject": "兑换的商品还没发货",
                                                 "body": "上周兑换的保温杯还没收到"})
    assert resp.status_code == 303
    after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    mine = client.get("/api/loyalty/service_requests").get_json()["data"]
    assert [(r["subject"], r["priority"], r["queue"], r["status"]) for r in mine] == \
        [("兑换的商品还没发货", "high", "vip_service", "open")]
    requested, due = stored_times(inst, mine[0]["id"])
    assert before <= requested <= after
    assert due - requested == dt.timedelta(hours=2)
    assert mine[0]["due_at"] == due.isoformat() + "Z"          # the API says UTC too
    no = mine[0]["request_no"]
    body = f"VIP会员Mia（+8613800138000）提交了服务请求{no}「兑换的商品还没发货」，优先级高，请在2小时内处理。"
    assert messages(inst) == [("vera", f"服务请求 {no}：兑换的商品还没发货", body),
                              ("victor", f"服务请求 {no}：兑换的商品还没发货", body)]
    listed = section(client.get(SERVICE).get_data(as_text=True), "我的服务请求")
    assert "兑换的商品还没发货" in listed and "高" in listed


def test_L10_a_normal_members_request_through_the_api_is_due_in_24_hours_with_the_operators(loyalty):
    platform, inst, mia, app = loyalty
    queue_people(platform)
    client, h = client_for(app, "mia")
    resp = client.post("/api/loyalty/service_requests", json={"member": mia["id"], "subject": "积分没有到账"},
                       headers=h)
    assert resp.status_code == 201
    made = resp.get_json()
    assert (made["priority"], made["queue"]) == ("normal", "operator")
    requested, due = stored_times(inst, made["id"])
    assert due - requested == dt.timedelta(hours=24)
    no = made["request_no"]
    assert messages(inst) == [("olga", f"服务请求 {no}：积分没有到账",
                               f"普通会员Mia（+8613800138000）提交了服务请求{no}「积分没有到账」，优先级普通，请在24小时内处理。")]
    # a member cannot give their request a priority or a queue of their own choosing
    smuggled = client.post("/api/loyalty/service_requests",
                           json={"member": mia["id"], "subject": "加急", "priority": "high"}, headers=h)
    assert smuggled.status_code == 422 and "priority" in smuggled.get_json()["error"]["fields"]
    assert count(inst, "service_requests") == 1


def test_L10_a_vvip_request_entered_by_store_staff_goes_to_the_vip_queue(loyalty):
    platform, inst, mia, app = loyalty
    queue_people(platform)
    set_tier(inst, mia["id"], "vvip")
    staff, _h = client_for(app, "sam")
    page = staff.get("/loyalty/service_requests/new").get_data(as_text=True)
    resp = staff.post("/loyalty/service_requests/new", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "member": str(mia["id"]), "category": "points", "subject": "门店消费积分没到账"})
    assert resp.status_code in (302, 303), field_error(resp.get_data(as_text=True), "subject")
    made = inst.records.get("service_requests", 1)
    assert (made["priority"], made["queue"]) == ("high", "vip_service")
    requested, due = stored_times(inst, made["id"])
    assert due - requested == dt.timedelta(hours=2)
    assert [m[0] for m in messages(inst)] == ["vera", "victor"]
    assert messages(inst)[0][2].startswith("VVIP会员Mia")
    # the dedicated service answers it; resolving it records when
    vera, vh = client_for(app, "vera")
    done = vera.patch(f"/api/loyalty/service_requests/{made['id']}", json={"status": "resolved", "reply": "已补发积分"},
                      headers=vh)
    assert done.status_code == 200 and done.get_json()["resolved_at"] is not None
    moved = vera.patch(f"/api/loyalty/service_requests/{made['id']}", json={"queue": "operator"}, headers=vh)
    assert moved.status_code == 422 and "queue" in moved.get_json()["error"]["fields"]
