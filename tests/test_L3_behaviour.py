"""L3: points for what members do beyond checking in: signing themselves up (100), and what the
mini-program reports through the API (an operator's token, an idempotency key): a share (5), a
comment (10), binding a phone (20, once), a survey (10, 20 or 50 at random)."""
from __future__ import annotations

from runtime.auth.tokens import create_token
from tests import test_loyalty_rules as base
from tests.conftest import csrf_from
from tests.test_loyalty_rules import entries, points

loyalty = base.loyalty


def test_L3_a_member_who_signs_up_gets_100_points(loyalty):
    platform, inst, _mia, app = loyalty
    c = app.test_client()
    token = csrf_from(c.get("/loyalty/register").get_data(as_text=True))
    resp = c.post("/loyalty/register", data={"csrf_token": token, "username": "newbie", "password": "a long password 1",
                                             "password2": "a long password 1", "name": "新会员", "phone": "13700001234"})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    t = inst.form.sql["members"]
    with inst.form.engine.connect() as conn:
        new = conn.execute(t.select().where(t.c.name == "新会员")).mappings().one()
    assert new["signed_up"] and points(inst, new["id"]) == 100
    assert entries(inst, new["id"]) == [(100, "register", f"signup-{new['id']}")]
    made = inst.records.create("members", {"name": "店员录入", "phone": "13700005678"})    # entered by staff
    assert points(inst, made["id"]) == 0


def test_L3_behaviour_reported_by_the_mini_program_earns_points_once(loyalty):
    platform, inst, mia, app = loyalty
    inst.records.update("members", mia["id"], {"user_id": "wx-mia"})
    secret = create_token(platform, "mini-program", "loyalty", "operator")
    c = app.test_client()

    def send(key, **payload):
        return c.post("/api/loyalty/events/behaviour", json=payload,
                      headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key})
    assert send("s-1", user_id="wx-mia", action="share", ref="article-7").status_code == 201
    assert send("s-1", user_id="wx-mia", action="share", ref="article-7").get_json()["duplicate"] is True
    assert send("c-1", user_id="wx-mia", action="comment", ref="order-3").status_code == 201
    assert send("p-1", user_id="wx-mia", action="bind_phone").status_code == 201
    assert send("p-2", user_id="wx-mia", action="bind_phone").status_code == 201      # a second time: no points
    assert points(inst, mia["id"]) == 5 + 10 + 20
    assert send("q-1", user_id="wx-mia", action="survey", ref="nps-2026").status_code == 201
    survey = entries(inst, mia["id"])[-1]
    assert survey[1] == "survey" and survey[0] in (10, 20, 50)
    bad = send("x-1", user_id="wx-nobody", action="share", ref="a")
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "没有这个用户ID的会员"
    odd = send("x-2", user_id="wx-mia", action="dance", ref="a")
    assert odd.status_code == 422 and "share、comment、survey" in odd.get_json()["error"]["message"]
    assert [e[1] for e in entries(inst, mia["id"])] == ["share", "comment", "bind_phone", "survey"]
