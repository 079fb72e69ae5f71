"""Loyalty scenarios the rules of apps/loyalty.yaml carry, acted out through the API as their users."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from engines.form.ledger.check import check_ledgers
from runtime.auth import create_user, grant
from runtime.webapp import create_app
from tests.conftest import ROOT, csrf_from, sign_in

PASSWORD = "long enough pw"
LOYALTY = ROOT / "apps" / "loyalty.yaml"


@pytest.fixture
def loyalty(make_platform):
    """The loyalty app with Mia (a member who signs in), Sam (store staff) and Olga (operator)."""
    return _loyalty(make_platform, str(LOYALTY))


def _loyalty(make_platform, source):
    platform = make_platform(source)
    inst = platform.apps["loyalty"]
    uid = create_user(platform, "mia", PASSWORD)
    grant(platform, "mia", "loyalty", "member")
    for name, role in (("sam", "store_staff"), ("olga", "operator")):
        create_user(platform, name, PASSWORD)
        grant(platform, name, "loyalty", role)
    member = inst.records.create("members", {"name": "Mia", "phone": "13800138000", "account": uid})
    app = create_app(platform)
    app.config["TESTING"] = True
    return platform, inst, member, app


def client_for(app, username):
    c = app.test_client()
    sign_in(c, username, PASSWORD)
    return c, {"X-CSRFToken": csrf_from(c.get("/loyalty/members/").get_data(as_text=True))}


def give(inst, member_id, points):
    """An operator's adjustment: points to spend in a test."""
    return inst.records.create("points_ledger", {"member": member_id, "change": points, "reason": "adjustment"})


def points(inst, member_id) -> int:
    return inst.records.get("members", member_id)["points"]


def entries(inst, member_id) -> list[tuple]:
    """(change, reason, ledger_key) of a member's ledger entries, oldest first."""
    t = inst.form.sql["points_ledger"]
    with inst.form.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(t.c.change, t.c.reason, t.c.ledger_key)
                                               .where(t.c.member == member_id).order_by(t.c.id))]


def count(inst, table) -> int:
    with inst.form.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(inst.form.sql[table])).scalar_one()


def ledger_ok(inst) -> bool:
    """`tessera ledger check`: every balance is the sum of its entries and the lots add up."""
    assert check_ledgers(inst.form) == []
    return True


def test_L2_a_completed_order_earns_points_at_the_tier_rate(loyalty):
    platform, inst, member, app = loyalty
    staff, h = client_for(app, "sam")
    order = staff.post("/api/loyalty/orders", json={"order_no": "A-1", "member": member["id"], "amount": "259.90",
                                                     "status": "paid"}, headers=h).get_json()
    assert inst.records.get("members", member["id"])["points"] == 0          # paid is not completed
    done = staff.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=h)
    assert done.status_code == 200
    me = inst.records.get("members", member["id"])
    assert me["points"] == 259 and me["total_earned"] == 259                  # normal tier: x1, floored
    mia, mh = client_for(app, "mia")
    ledger = mia.get("/api/loyalty/points_ledger").get_json()["data"]
    assert [(e["change"], e["reason"], e["reference"], e["balance_after"]) for e in ledger] == [(259, "order", "A-1", 259)]
    expires = dt.date.fromisoformat(ledger[0]["expires_on"])
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert 365 <= (expires - today).days <= 366
    # completing it again (back and forth) never pays twice: the entry's key is the order
    staff.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "paid"}, headers=h)
    staff.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=h)
    assert inst.records.get("members", member["id"])["points"] == 259


def test_L2_vip_members_earn_1_2_times(loyalty):
    platform, inst, member, app = loyalty
    inst.records.update("members", member["id"], {"tier": "vip"})
    o = inst.records.create("orders", {"order_no": "A-2", "member": member["id"], "amount": "100.00", "status": "paid"})
    inst.records.update("orders", o["id"], {"status": "completed"})
    assert inst.records.get("members", member["id"])["points"] == 120


def test_L3_check_in_once_a_day(loyalty):
    platform, inst, member, app = loyalty
    mia, h = client_for(app, "mia")
    first = mia.post(f"/api/loyalty/members/{member['id']}/actions/check_in", headers=h)
    assert first.status_code == 200 and first.get_json()["record"]["points"] == 10
    again = mia.post(f"/api/loyalty/members/{member['id']}/actions/check_in", headers=h)
    assert again.status_code == 422
    assert again.get_json()["error"]["message"] == "今天已经签到过了，明天再来吧"
    assert inst.records.get("members", member["id"])["points"] == 10
    ins = mia.get("/api/loyalty/check_ins").get_json()
    assert ins["total"] == 1 and ins["data"][0]["points"] == 10
    # on the page: the member sees the button on their own record
    page = mia.get(f"/loyalty/members/{member['id']}").get_data(as_text=True)
    assert f"/loyalty/members/{member['id']}/actions/check_in" in page and "每日签到" in page


def test_L10_earned_points_move_the_member_up_the_tiers(loyalty):
    platform, inst, member, app = loyalty
    r = inst.records
    o = r.create("orders", {"order_no": "B-1", "member": member["id"], "amount": "5200.00", "status": "paid"})
    r.update("orders", o["id"], {"status": "completed"})
    me = r.get("members", member["id"])
    assert me["tier"] == "vip" and me["total_earned"] == 5200
    o = r.create("orders", {"order_no": "B-2", "member": member["id"], "amount": "12500.00", "status": "paid"})
    r.update("orders", o["id"], {"status": "completed"})                     # 12500 x 1.2 = 15000
    me = r.get("members", member["id"])
    assert me["total_earned"] == 20200 and me["tier"] == "vvip" and me["points"] == 20200
