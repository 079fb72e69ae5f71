"""Membership-card scenarios the rules of apps/membership-card.yaml carry (top-up, card payment, M6, M7,
a lost card, voiding), acted out through the API as store staff and members."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from engines.form.ledger.check import check_ledgers
from engines.rules.scheduled import run_scheduled
from runtime.auth import create_user, grant
from runtime.auth.tokens import create_token
from runtime.outbox.dispatch import Dispatcher
from runtime.webapp import create_app
from tests.conftest import ROOT, csrf_from, sign_in
from tests.outbox_servers import HTTPReceiver

PASSWORD = "long enough pw"
APP = "membership-card"


@pytest.fixture
def shop(make_platform):
    platform = make_platform(str(ROOT / "apps" / "membership-card.yaml"))
    inst = platform.apps[APP]
    r = inst.records
    store = r.create("stores", {"code": "S01", "name": "南山店"})
    for user, role in (("zhang", "store_staff"), ("lily", "member"), ("boss", "admin")):
        create_user(platform, user, PASSWORD)
        grant(platform, user, APP, role)
    uid = {u: platform_user_id(platform, u) for u in ("zhang", "lily", "boss")}
    r.create("staff", {"name": "小张", "account": uid["zhang"], "store": store["id"]})
    lily = r.create("members", {"name": "李丽", "phone": "13900000001", "initial_points": 100,
                                "store": store["id"], "account": uid["lily"]})
    app = create_app(platform)
    app.config["TESTING"] = True
    return platform, inst, app, store, lily


def platform_user_id(platform, username):
    users = platform.system["users"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar_one()


def client_for(app, username):
    c = app.test_client()
    sign_in(c, username, PASSWORD)
    return c, {"X-CSRFToken": csrf_from(c.get("/membership-card/members/").get_data(as_text=True))}


def open_card(staff, h, member):
    resp = staff.post(f"/api/{APP}/cards", json={"member": member["id"]}, headers=h)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def top_up(staff, h, card, store, amount, bonus="0"):
    return staff.post(f"/api/{APP}/top_ups", json={"card": card["id"], "amount": amount, "bonus": bonus,
                                                   "store": store["id"], "payment_method": "wechat"}, headers=h)


def consume(staff, h, member, store, amount, card=None, method="card_balance"):
    values = {"member": member["id"], "amount": amount, "store": store["id"], "payment_method": method}
    if card is not None:
        values["card"] = card["id"]
    return staff.post(f"/api/{APP}/consumptions", json=values, headers=h)


def balance(inst, card):
    return inst.records.get("cards", card["id"])["balance"]


def points(inst, member):
    return inst.records.get("members", member["id"])["points"]


def sms_bodies(platform):
    t = platform.system["outbox"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(t.c.recipient, t.c.body).where(t.c.channel == "sms").order_by(t.c.id)).all()


def count(inst, table):
    sql = inst.form.sql[table]
    with inst.form.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(sql)).scalar_one()


def test_opening_points_of_a_new_member_are_a_ledger_entry(shop):
    platform, inst, app, store, lily = shop
    assert points(inst, lily) == 100
    mine, h = client_for(app, "lily")
    [entry] = mine.get(f"/api/{APP}/points_ledger").get_json()["data"]
    assert (entry["change"], entry["reason"], entry["balance_after"]) == (100, "opening", 100)


def test_M4_top_up_credits_the_card_with_its_bonus(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    card = open_card(staff, h, lily)
    assert Decimal(card["balance"]) == 0
    resp = top_up(staff, h, card, store, "500.00", bonus="50.00")
    assert resp.status_code == 201, resp.get_json()
    assert balance(inst, card) == Decimal("550.00")
    mine, mh = client_for(app, "lily")
    [entry] = mine.get(f"/api/{APP}/card_ledger").get_json()["data"]
    assert (Decimal(entry["amount"]), entry["reason"], Decimal(entry["balance_after"])) == \
        (Decimal("550.00"), "top_up", Decimal("550.00"))
    # the balance is the ledger's: nobody edits it, not even staff who may update cards
    edit = staff.patch(f"/api/{APP}/cards/{card['id']}", json={"balance": "9999.00"}, headers=h)
    assert edit.status_code == 422 and "balance" in edit.get_json()["error"]["fields"]
    assert balance(inst, card) == Decimal("550.00")


def test_M4_paying_with_the_card_debits_it_and_an_overdraft_is_refused(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    card = open_card(staff, h, lily)
    top_up(staff, h, card, store, "100.00")
    paid = consume(staff, h, lily, store, "80.00", card=card)
    assert paid.status_code == 201, paid.get_json()
    assert balance(inst, card) == Decimal("20.00") and points(inst, lily) == 108
    before = (count(inst, "consumptions"), count(inst, "card_ledger"), len(sms_bodies(platform)))
    refused = consume(staff, h, lily, store, "30.00", card=card)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] in ("余额不足：当前余额 20.00，需要 30.00",
                                                      "insufficient balance: balance 20.00, needs 30.00")
    # nothing of the refused sale was kept: no consumption, no entry, no points, no message
    assert (count(inst, "consumptions"), count(inst, "card_ledger"), len(sms_bodies(platform))) == before
    assert balance(inst, card) == Decimal("20.00") and points(inst, lily) == 108
    # paid in cash, the card is untouched but points are earned all the same
    assert consume(staff, h, lily, store, "30.00", card=card, method="cash").status_code == 201
    assert balance(inst, card) == Decimal("20.00") and points(inst, lily) == 111
    assert check_ledgers(inst.form) == []


def test_M4_card_payment_needs_the_members_own_card(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    other = inst.records.create("members", {"name": "陈露", "phone": "13900000002", "store": store["id"]})
    card = open_card(staff, h, other)
    top_up(staff, h, card, store, "100.00")
    resp = consume(staff, h, lily, store, "10.00", card=card)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"]["card"] in ("这张卡不属于该会员", "This card belongs to another member")
    no_card = consume(staff, h, lily, store, "10.00")
    assert no_card.status_code == 422 and "card" in no_card.get_json()["error"]["fields"]
    assert balance(inst, card) == Decimal("100.00") and count(inst, "consumptions") == 0


def test_M3_a_card_reported_lost_can_neither_pay_nor_be_topped_up(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    card = open_card(staff, h, lily)
    top_up(staff, h, card, store, "100.00")
    mine, mh = client_for(app, "lily")
    page = mine.get(f"/{APP}/cards/{card['id']}").get_data(as_text=True)
    assert f"/{APP}/cards/{card['id']}/actions/report_lost" in page          # the member's own button
    lost = mine.post(f"/api/{APP}/cards/{card['id']}/actions/report_lost", headers=mh)
    assert lost.status_code == 200 and lost.get_json()["record"]["status"] == "lost"
    again = mine.post(f"/api/{APP}/cards/{card['id']}/actions/report_lost", headers=mh)
    assert again.status_code == 422
    pay = consume(staff, h, lily, store, "10.00", card=card)
    assert pay.status_code == 422 and "card" in pay.get_json()["error"]["fields"]
    assert top_up(staff, h, card, store, "50.00").status_code == 422
    assert balance(inst, card) == Decimal("100.00")


def test_M6_a_consumption_earns_amount_over_10_and_the_member_gets_the_exact_message(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    resp = consume(staff, h, lily, store, "128.50", method="wechat")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["points_earned"] == 12
    assert points(inst, lily) == 112                                         # 100 opening + floor(128.50 / 10)
    text = "尊敬的会员,您本次消费128.50元,获得12积分,当前总积分为112。"
    assert sms_bodies(platform) == [("+8613900000001", text)]
    mine, mh = client_for(app, "lily")
    entries = mine.get(f"/api/{APP}/points_ledger?sort=id").get_json()["data"]
    assert [(e["change"], e["reason"], e["balance_after"]) for e in entries] == [(100, "opening", 100),
                                                                              (12, "consumption", 112)]
    # the SMS provider (a real HTTP server on loopback) receives that text for the member's phone
    with HTTPReceiver() as server:
        env = {"TESSERA_SMS_URL": f"{server.url}/sms", "TESSERA_SMS_SECRET": "k"}
        assert len(Dispatcher(platform, env).deliver_due().sent) == 1
    assert server.json(0) == {"to": "+8613900000001", "text": text}


def test_M6_a_small_consumption_earns_nothing_but_still_says_so(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    assert consume(staff, h, lily, store, "9.90", method="cash").status_code == 201
    assert points(inst, lily) == 100
    assert sms_bodies(platform) == [("+8613900000001", "尊敬的会员,您本次消费9.90元,获得0积分,当前总积分为100。")]


def test_voiding_a_consumption_refunds_the_card_and_takes_the_points_back(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    card = open_card(staff, h, lily)
    top_up(staff, h, card, store, "200.00")
    sale = consume(staff, h, lily, store, "150.00", card=card).get_json()
    assert balance(inst, card) == Decimal("50.00") and points(inst, lily) == 115
    admin, ah = client_for(app, "boss")
    assert admin.delete(f"/api/{APP}/consumptions/{sale['id']}", headers=ah).status_code in (200, 204)
    assert balance(inst, card) == Decimal("200.00") and points(inst, lily) == 100
    assert check_ledgers(inst.form) == []
    # staff may not void a sale (no delete grant)
    other = consume(staff, h, lily, store, "10.00", card=card).get_json()
    assert staff.delete(f"/api/{APP}/consumptions/{other['id']}", headers=h).status_code == 403


def test_M7_birthday_members_get_a_coupon_and_the_greeting(shop):
    platform, inst, app, store, lily = shop
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    birthday = "1992-02-29" if (today.month, today.day) == (2, 29) else today.replace(year=1990).isoformat()
    r = inst.records
    wang = r.create("members", {"name": "王芳", "phone": "13900000003", "birthday": birthday})
    r.create("members", {"name": "赵强", "phone": "13900000004",
                         "birthday": (today + dt.timedelta(days=1)).replace(year=1991).isoformat()})
    rule = next(x for x in inst.app.rules if x.name == "birthday_greeting")
    assert run_scheduled(inst, rule) == {"ran": 1, "failed": 0, "skipped": 0}
    sql = inst.form.sql["coupons"]
    with inst.form.engine.connect() as conn:
        rows = conn.execute(sa.select(sql.c.member, sql.c.kind, sql.c.discount_rate, sql.c.status,
                                      sql.c.expires_on)).all()
    assert [(m, k, Decimal(rate), s) for m, k, rate, s, _ in rows] == [(wang["id"], "birthday", Decimal(20), "unused")]
    assert (rows[0].expires_on - today).days == 30
    assert sms_bodies(platform) == [("+8613900000003", "尊敬的王芳,祝您生日快乐!我们为您准备了一张8折优惠券,期待您的光临。")]


def test_M10_a_till_reports_sales_by_card_number_or_phone_once_per_key(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    card = open_card(staff, h, lily)
    top_up(staff, h, card, store, "100.00")
    till = app.test_client()
    auth = {"Authorization": f"Bearer {create_token(platform, 'till-1', APP, 'pos')}"}

    def report(key, **sale):
        return till.post(f"/api/{APP}/events/pos_sale", json=sale, headers={**auth, "Idempotency-Key": key})

    first = report("till-1/0001", card_no=card["card_no"], amount="58.00", store="S01")
    assert first.status_code == 201, first.get_json()
    again = report("till-1/0001", card_no=card["card_no"], amount="58.00", store="S01")
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert balance(inst, card) == Decimal("42.00") and points(inst, lily) == 105
    by_phone = report("till-1/0002", phone="139 0000 0001", amount="20.00", store="S01")
    assert by_phone.status_code == 201, by_phone.get_json()
    sales = staff.get(f"/api/{APP}/consumptions?sort=id").get_json()["data"]
    assert [(s["member"], s["card"], s["payment_method"], Decimal(s["amount"])) for s in sales] == [
        (lily["id"], card["id"], "card_balance", Decimal("58.00")), (lily["id"], None, "cash", Decimal("20.00"))]
    assert points(inst, lily) == 107
    unknown = report("till-1/0003", card_no="800000000", amount="5.00")
    assert unknown.status_code == 422 and unknown.get_json()["error"]["message"] in ("找不到这张会员卡",
                                                                                     "No card with this number")
    assert report("till-1/0003", phone="13999999999", amount="5.00").status_code == 422   # the key was not used up
    # the till's token may report sales and nothing else
    assert till.get(f"/api/{APP}/members", headers=auth).status_code == 403


def test_M4_points_pay_for_goods_at_100_points_a_yuan_and_earn_none(shop):
    platform, inst, app, store, lily = shop
    staff, h = client_for(app, "zhang")
    paid = consume(staff, h, lily, store, "0.50", method="points")
    assert paid.status_code == 201, paid.get_json()
    assert points(inst, lily) == 50 and paid.get_json()["points_earned"] == 0
    refused = consume(staff, h, lily, store, "1.00", method="points")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] in ("积分不足：当前积分 50，需要 100",
                                                      "insufficient points: balance 50, needs 100")
    assert points(inst, lily) == 50 and count(inst, "consumptions") == 1 and sms_bodies(platform) == []
    admin, ah = client_for(app, "boss")                   # voided: the points come back
    assert admin.delete(f"/api/{APP}/consumptions/{paid.get_json()['id']}", headers=ah).status_code in (200, 204)
    assert points(inst, lily) == 100 and check_ledgers(inst.form) == []
