"""The rules engine: record triggers, conditions, actions in the triggering write's transaction,
`fail`, cascades, buttons, external events with idempotency keys, and the run log."""
import pytest
import sqlalchemy as sa

from builder import BuildFailed, compile_files
from engines.form.errors import RecordError
from runtime.auth import create_user, grant
from runtime.webapp import create_app
from tests.conftest import csrf_from, sign_in

SHOP = """
app: shop
roles: [staff, member]
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
      visits: {type: integer, default: 0}
      points: {type: integer, default: 0}
      level: {type: select, options: [normal, vip], default: normal}
  orders:
    fields:
      member: {type: link, table: members, required: true}
      amount: {type: money, required: true}
      status: {type: select, options: [new, done, void], default: new}
      note: {type: text}
  gifts:
    fields:
      member: {type: link, table: members}
      reason: {type: text}
rules:
  vip_on_big_order:
    label: {zh: 大单升级VIP, en: VIP on a big order}
    when: {updated: orders, changed: status, to: done}
    if: record.amount >= 100 and record.member.level == 'normal'
    do:
      - update: {table: members, id: =record.member, values: {level: vip}}
      - create: {table: gifts, values: {member: =record.member, reason: big order}}
        as: gift
      - set: {note: "=concat('gift #', str(gift.id))"}
  no_void_of_done:
    when: {updated: orders, changed: status, from: done, to: void}
    do:
      - fail: {zh: 已完成的订单不能作废, en: A completed order cannot be voided}
  broken:
    when: {created: gifts}
    if: record.reason == 'divide'
    do:
      - set: {reason: "=str(1 / 0)"}
  check_in:
    label: {zh: 签到, en: Check in}
    when: {action: check_in, table: members, roles: [member]}
    if: record.visits < 3
    do:
      - increment: {visits: 1, points: 10}
  pos_sale:
    when: {event: pos_sale, roles: [staff]}
    do:
      - create: {table: orders, values: {member: =event.member, amount: =event.amount, status: done}}
"""


@pytest.fixture
def shop(make_platform):
    platform = make_platform(SHOP)
    return platform, platform.apps["shop"]


def runs(platform, rule=None):
    t = platform.rule_runs
    with platform.engine.connect() as conn:
        stmt = sa.select(t.c.rule, t.c.outcome, t.c.error).order_by(t.c.id)
        return [tuple(r) for r in conn.execute(stmt if rule is None else stmt.where(t.c.rule == rule))]


def test_a_rule_runs_in_the_writes_transaction_and_later_steps_use_earlier_results(shop):
    platform, inst = shop
    r = inst.records
    m = r.create("members", {"name": "Mia"})
    o = r.create("orders", {"member": m["id"], "amount": "150.00"})
    done = r.update("orders", o["id"], {"status": "done"})
    gift = r.get("gifts", 1)
    assert gift["member"] == m["id"] and gift["reason"] == "big order"
    assert done["note"] == f"gift #{gift['id']}"            # the record as the rules left it
    assert r.get("members", m["id"])["level"] == "vip"
    assert runs(platform, "vip_on_big_order") == [("vip_on_big_order", "ok", None)]


def test_condition_and_changed_to_narrow_the_trigger(shop):
    platform, inst = shop
    r = inst.records
    m = r.create("members", {"name": "Max"})
    small = r.create("orders", {"member": m["id"], "amount": "20.00"})
    r.update("orders", small["id"], {"status": "done"})            # condition false: nothing
    r.update("orders", small["id"], {"note": "x"})                  # status did not change: nothing
    assert r.get("members", m["id"])["level"] == "normal"
    assert runs(platform, "vip_on_big_order") == []


def test_fail_refuses_the_write_and_nothing_is_kept(shop):
    platform, inst = shop
    r = inst.records
    m = r.create("members", {"name": "Ann"})
    o = r.create("orders", {"member": m["id"], "amount": "150.00"})
    r.update("orders", o["id"], {"status": "done"})
    with pytest.raises(RecordError) as exc:
        r.update("orders", o["id"], {"status": "void", "note": "oops"})
    assert exc.value.status == 422 and exc.value.message.zh == "已完成的订单不能作废"
    after = r.get("orders", o["id"])
    assert after["status"] == "done" and after["note"].startswith("gift #")
    assert runs(platform, "no_void_of_done") == [("no_void_of_done", "refused", "A completed order cannot be voided")]


def test_a_failing_expression_names_the_rule_and_is_logged_after_the_rollback(shop):
    platform, inst = shop
    m = inst.records.create("members", {"name": "Bo"})
    with pytest.raises(RecordError) as exc:
        inst.records.create("gifts", {"member": m["id"], "reason": "divide"})
    assert "broken" in exc.value.message.en and "1 / 0" in exc.value.message.en
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(inst.form.sql["gifts"])).scalar_one() == 0
    (rule, outcome, error), = runs(platform, "broken")
    assert outcome == "failed" and "1 / 0" in error


def test_a_rule_loop_is_stopped_with_a_clear_error(make_platform):
    platform = make_platform("""
app: loop
tables:
  a:
    fields: {n: {type: integer, default: 0}}
rules:
  again:
    when: {updated: a}
    do:
      - increment: {n: 1}
""")
    r = platform.apps["loop"].records
    rec = r.create("a", {})
    with pytest.raises(RecordError) as exc:
        r.update("a", rec["id"], {"n": 1})
    assert "loop" in exc.value.message.en
    assert r.get("a", rec["id"])["n"] == 0


def test_rule_definition_errors_point_at_their_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""app: shop
roles: [staff]
tables:
  members:
    fields:
      name: {type: text}
rules:
  one:
    when: {created: member}
    do:
      - set: {name: x}
  two:
    when: {created: members, updated: members}
    do:
      - set: {name: x}
  three:
    when: {action: go, table: members, roles: [boss]}
    if: record.nmae == 'x'
    do:
      - increment: {name: 1}
      - create: {table: members, values: {nmae: x}}
""", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_files([str(bad)])
    lines = [str(e) for e in exc.value.errors]
    expected = [
        "rules.one.when.created: unknown table 'member' (did you mean 'members'?)",
        "rules.two.when: give exactly one trigger (found created, updated)",
        "rules.three.when.roles[0]: unknown role 'boss'",
        "rules.three.if: unknown field 'nmae' (did you mean 'name'?)",
        "rules.three.do[0].increment.name: 'name' is not a number field",
        "rules.three.do[1].create.values.nmae: unknown field 'nmae' of 'members' (did you mean 'name'?)",
    ]
    for text in expected:
        assert any(text in line for line in lines), (text, lines)
    assert all(line.startswith(str(bad) + ":") for line in lines)
    assert any(line.startswith(f"{bad}:9:") for line in lines)


# -- buttons and events through the API and the pages --------------------------------------------------
@pytest.fixture
def client(shop):
    platform, inst = shop
    create_user(platform, "mia", "mia-password-1")
    grant(platform, "mia", "shop", "member")
    create_user(platform, "sam", "sam-password-1")
    grant(platform, "sam", "shop", "staff")
    app = create_app(platform)
    app.config["TESTING"] = True
    return app.test_client()


def _csrf(client):
    return {"X-CSRFToken": csrf_from(client.get("/shop/members/").get_data(as_text=True))}


def test_button_through_the_api_and_the_page(shop, client):
    platform, inst = shop
    m = inst.records.create("members", {"name": "Mia"})
    sign_in(client, "mia", "mia-password-1")
    resp = client.post(f"/api/shop/members/{m['id']}/actions/check_in", headers=_csrf(client))
    assert resp.status_code == 200 and resp.get_json()["ran"] is True
    assert resp.get_json()["record"]["visits"] == 1 and resp.get_json()["record"]["points"] == 10
    page = client.get(f"/shop/members/{m['id']}").get_data(as_text=True)
    assert f"/shop/members/{m['id']}/actions/check_in" in page and "签到" in page
    token = csrf_from(page)
    resp = client.post(f"/shop/members/{m['id']}/actions/check_in", data={"csrf_token": token})
    assert resp.status_code == 303
    assert inst.records.get("members", m["id"])["visits"] == 2
    assert client.post(f"/shop/members/{m['id']}/actions/check_in").status_code == 400     # no CSRF token
    assert client.post("/api/shop/members/999/actions/check_in", headers=_csrf(client)).status_code == 404
    assert client.post(f"/api/shop/members/{m['id']}/actions/nope", headers=_csrf(client)).status_code == 404


def test_button_roles_are_checked(shop, client):
    platform, inst = shop
    m = inst.records.create("members", {"name": "Mia"})
    sign_in(client, "sam", "sam-password-1")
    resp = client.post(f"/api/shop/members/{m['id']}/actions/check_in", headers=_csrf(client))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    assert "/actions/check_in" not in client.get(f"/shop/members/{m['id']}").get_data(as_text=True)
    assert inst.records.get("members", m["id"])["visits"] == 0


def test_event_with_the_same_key_twice_has_the_effect_once(shop, client):
    platform, inst = shop
    m = inst.records.create("members", {"name": "Mia"})
    sign_in(client, "sam", "sam-password-1")
    h = {**_csrf(client), "Idempotency-Key": "sale-0001"}
    first = client.post("/api/shop/events/pos_sale", json={"member": m["id"], "amount": "88.00"}, headers=h)
    again = client.post("/api/shop/events/pos_sale", json={"member": m["id"], "amount": "88.00"}, headers=h)
    assert first.status_code == 201 and first.get_json() == {"duplicate": False, "ran": True}
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(inst.form.sql["orders"])).scalar_one() == 1
    missing = client.post("/api/shop/events/pos_sale", json={"member": m["id"], "amount": "1"}, headers=_csrf(client))
    assert missing.status_code == 400 and "Idempotency-Key" in missing.get_json()["error"]["fields"]
    bad = client.post("/api/shop/events/pos_sale", json={"member": 999, "amount": "1"},
                      headers={**_csrf(client), "Idempotency-Key": "sale-0002"})
    assert bad.status_code == 422
    retry = client.post("/api/shop/events/pos_sale", json={"member": m["id"], "amount": "1"},
                        headers={**_csrf(client), "Idempotency-Key": "sale-0002"})
    assert retry.status_code == 201                      # a refused event left no key behind


def test_a_member_cannot_send_a_staff_event(shop, client):
    sign_in(client, "mia", "mia-password-1")
    resp = client.post("/api/shop/events/pos_sale", json={}, headers={**_csrf(client), "Idempotency-Key": "k"})
    assert resp.status_code == 403


def test_the_run_log_page_is_for_admins(shop, client):
    platform, inst = shop
    m = inst.records.create("members", {"name": "Mia"})
    o = inst.records.create("orders", {"member": m["id"], "amount": "150.00"})
    inst.records.update("orders", o["id"], {"status": "done"})
    with pytest.raises(RecordError):
        inst.records.update("orders", o["id"], {"status": "void"})
    sign_in(client, "sam", "sam-password-1")
    assert client.get("/_admin/rules").status_code == 403
    create_user(platform, "root", "root-password-1", is_admin=True)
    admin = client.application.test_client()
    sign_in(admin, "root", "root-password-1")
    page = admin.get("/_admin/rules?outcome=refused").get_data(as_text=True)
    assert "no_void_of_done" in page and "A completed order cannot be voided" in page
    assert "vip_on_big_order" not in page.split("<tbody>")[1]
    assert "vip_on_big_order" in admin.get("/_admin/rules").get_data(as_text=True).split("<tbody>")[1]


def test_later_steps_see_what_earlier_steps_wrote(make_platform):
    platform = make_platform("""
app: seq
tables:
  members:
    fields: {name: {type: text}, points: {type: integer, default: 0}}
  orders:
    fields: {member: {type: link, table: members}, note: {type: text}}
rules:
  r:
    when: {created: orders}
    do:
      - update: {table: members, id: =record.member, values: {points: =record.member.points + 5}}
      - set: {note: "=str(record.member.points)"}
      - set: {note: "=concat(record.note, '!')"}
""")
    r = platform.apps["seq"].records
    m = r.create("members", {"name": "a", "points": 1})
    assert r.create("orders", {"member": m["id"]})["note"] == "6!"
