"""L6 points mall and L7 coupon exchange (apps/loyalty.yaml: exchange, redeem_points), acted out by a
signed-in member pressing the button and an operator using the API."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from engines.expr.functions_dates import add_months
from runtime.auth import create_user, grant
from runtime.auth.tokens import create_token
from tests import test_loyalty_rules as base
from tests.test_loyalty_rules import client_for, count, entries, give, ledger_ok, points

loyalty = base.loyalty


def product(olga, h, **values):
    resp = olga.post("/api/loyalty/products", json={"name": "保温杯", "points_cost": 300, "stock": 5, **values},
                     headers=h)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_L6_a_member_exchanges_a_product_with_the_button(loyalty):
    platform, inst, member, app = loyalty
    olga, oh = client_for(app, "olga")
    cup = product(olga, oh)
    give(inst, member["id"], 1000)
    mia, h = client_for(app, "mia")
    page = mia.get(f"/loyalty/products/{cup['id']}").get_data(as_text=True)
    assert f"/loyalty/products/{cup['id']}/actions/exchange" in page and "兑换" in page
    resp = mia.post(f"/api/loyalty/products/{cup['id']}/actions/exchange", headers=h)
    assert resp.status_code == 200 and resp.get_json()["ran"] is True
    assert resp.get_json()["record"]["stock"] == 4
    mine = mia.get("/api/loyalty/redemptions").get_json()["data"]
    assert [(r["member"], r["product"], r["quantity"], r["points_cost"], r["status"]) for r in mine] == \
        [(member["id"], cup["id"], 1, 300, "completed")]
    assert points(inst, member["id"]) == 700
    assert entries(inst, member["id"])[-1] == (-300, "redemption", f"redemption-{mine[0]['id']}")
    ledger = mia.get("/api/loyalty/points_ledger?sort=-id").get_json()["data"]
    assert ledger[0]["reference"] == mine[0]["redemption_no"] and ledger[0]["balance_after"] == 700
    assert ledger_ok(inst)


def test_L6_members_cannot_set_a_price_and_an_operator_gets_the_same_pricing(loyalty):
    platform, inst, member, app = loyalty
    olga, oh = client_for(app, "olga")
    tv = product(olga, oh, name="电视", points_cost=3000)
    mia, h = client_for(app, "mia")
    cheap = mia.post("/api/loyalty/redemptions", json={"member": member["id"], "product": tv["id"], "points_cost": 1},
                     headers=h)
    assert cheap.status_code == 403 and count(inst, "redemptions") == 0     # only through the button
    give(inst, member["id"], 7000)
    resp = olga.post("/api/loyalty/redemptions", json={"member": member["id"], "product": tv["id"], "quantity": 2,
                                                       "points_cost": 1, "status": "completed"}, headers=oh)
    assert resp.status_code == 201, resp.get_json()
    red = resp.get_json()
    # 6,000 points is above 5,000: it waits for approval (L11), but the points are taken now
    assert red["points_cost"] == 6000 and red["status"] == "pending"
    assert points(inst, member["id"]) == 1000 and inst.records.get("products", tv["id"])["stock"] == 3
    assert ledger_ok(inst)


def test_L6_refusals_keep_nothing(loyalty):
    platform, inst, member, app = loyalty
    olga, oh = client_for(app, "olga")
    off = product(olga, oh, name="旧款雨伞", active=False)
    gone = product(olga, oh, name="限量帆布袋", stock=0)
    cup = product(olga, oh, name="保温杯")
    give(inst, member["id"], 100)
    before = entries(inst, member["id"])
    resp = olga.post("/api/loyalty/redemptions", json={"member": member["id"], "product": off["id"]}, headers=oh)
    assert resp.status_code == 422 and resp.get_json()["error"]["message"] == "该商品已下架，不能兑换"
    assert resp.get_json()["error"]["fields"] == {"product": "该商品已下架，不能兑换"}
    mia, h = client_for(app, "mia")
    assert mia.post(f"/api/loyalty/products/{off['id']}/actions/exchange", headers=h).status_code == 404  # not theirs to see
    resp = mia.post(f"/api/loyalty/products/{gone['id']}/actions/exchange", headers=h)
    assert resp.status_code == 422 and resp.get_json()["error"]["message"] == "库存不足，不能兑换"
    resp = mia.post(f"/api/loyalty/products/{cup['id']}/actions/exchange", headers=h,
                    environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["message"] in ("积分不足：当前积分 100，需要 300",
                                                   "insufficient points: balance 100, needs 300")
    assert count(inst, "redemptions") == 0 and entries(inst, member["id"]) == before and points(inst, member["id"]) == 100
    assert inst.records.get("products", cup["id"])["stock"] == 5
    assert ledger_ok(inst)


def test_L6_a_user_without_a_member_record_is_told_so(loyalty):
    platform, inst, member, app = loyalty
    create_user(platform, "nora", base.PASSWORD)
    grant(platform, "nora", "loyalty", "member")
    olga, oh = client_for(app, "olga")
    cup = product(olga, oh)
    nora, h = client_for(app, "nora")
    resp = nora.post(f"/api/loyalty/products/{cup['id']}/actions/exchange", headers=h)
    assert resp.status_code == 422 and resp.get_json()["error"]["message"] == "你的账号还没有会员资料，不能兑换"
    # a token with the member role is nobody: it never redeems for a member without an account
    inst.records.create("members", {"name": "散客", "phone": "13800138009"})
    token = create_token(platform, "mini-program", "loyalty", "member")
    resp = app.test_client().post(f"/api/loyalty/products/{cup['id']}/actions/exchange",
                                  headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422 and resp.get_json()["error"]["message"] == "你的账号还没有会员资料，不能兑换"
    assert count(inst, "redemptions") == 0


def test_L7_a_coupon_bought_with_points(loyalty):
    platform, inst, member, app = loyalty
    olga, oh = client_for(app, "olga")
    voucher = product(olga, oh, name="20元代金券", kind="coupon", coupon_value="20.00", points_cost=2000, stock=100)
    give(inst, member["id"], 2500)
    mia, h = client_for(app, "mia")
    assert mia.post(f"/api/loyalty/products/{voucher['id']}/actions/exchange", headers=h).status_code == 200
    (red,) = mia.get("/api/loyalty/redemptions").get_json()["data"]
    assert red["status"] == "completed" and red["points_cost"] == 2000
    (coupon,) = mia.get("/api/loyalty/coupons").get_json()["data"]
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert (Decimal(coupon["face_value"]), coupon["points_cost"], coupon["source"], coupon["status"]) == \
        (Decimal("20.00"), 2000, "exchange", "unused")
    assert coupon["expires_on"] == add_months(today, 3).isoformat() and coupon["member"] == member["id"]
    assert points(inst, member["id"]) == 500
    assert entries(inst, member["id"])[-1] == (-2000, "coupon", f"redemption-{red['id']}")
    # two coupons in one redemption are refused: a coupon is one record
    resp = olga.post("/api/loyalty/redemptions", json={"member": member["id"], "product": voucher["id"], "quantity": 2},
                     headers=oh)
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"] == {"quantity": "优惠券每次兑换一张"}
    assert count(inst, "coupons") == 1 and points(inst, member["id"]) == 500
    assert ledger_ok(inst)
