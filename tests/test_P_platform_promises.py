"""P1-P4, the promises both seeds' FAQs make, on the shipped loyalty app: field-level permissions and
the audit log (P1), backup and recovery (P2), a new module added later without breaking anything
(P3), integration through the API with a token (P4)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from runtime.auth import create_user
from runtime.auth.tokens import create_token
from tests import test_loyalty_rules as base
from tests.conftest import ROOT, sign_in
from tests.test_loyalty_rules import PASSWORD, client_for

loyalty = base.loyalty
TESSERA = str(Path(sys.executable).parent / "tessera")


def test_P1_fields_are_hidden_per_role_and_every_change_is_audited(loyalty):
    platform, inst, mia, app = loyalty
    inst.records.update("members", mia["id"], {"birthday": "1990-05-01", "region": "广东省/深圳市/南山区"})
    from runtime.auth import grant
    create_user(platform, "wes", PASSWORD)
    grant(platform, "wes", "loyalty", "warehouse")
    wes, _ = client_for(app, "wes")
    seen = wes.get(f"/api/loyalty/members/{mia['id']}").get_json()
    assert "birthday" not in seen and "region" not in seen and seen["name"] == "Mia"    # hidden from the warehouse
    olga, h = client_for(app, "olga")
    assert olga.get(f"/api/loyalty/members/{mia['id']}").get_json()["birthday"] == "1990-05-01"
    assert olga.patch(f"/api/loyalty/members/{mia['id']}", json={"name": "Mia Wang"}, headers=h).status_code == 200
    member, mh = client_for(app, "mia")
    refused = member.patch(f"/api/loyalty/members/{mia['id']}", json={"points": 99999}, headers=mh)
    assert refused.status_code == 422 and "points" in refused.get_json()["error"]["fields"]
    create_user(platform, "boss", PASSWORD, is_admin=True)
    boss = app.test_client()
    sign_in(boss, "boss", PASSWORD)
    audit = boss.get("/_audit?table=members").get_data(as_text=True)
    assert "olga" in audit and "Mia Wang" in audit
    with platform.engine.connect() as conn:
        history = platform.audit.history(conn, "loyalty", "members", mia["id"])
    assert history[0]["actor_name"] == "olga" and history[0]["changes"]["name"] == ["Mia", "Mia Wang"]


def test_P2_a_backup_restores_into_an_empty_database(loyalty, tmp_path):
    platform, inst, mia, app = loyalty
    base.give(inst, mia["id"], 300)

    def run(*args):
        done = subprocess.run([TESSERA, *args], capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
        return done.stdout + done.stderr
    source = platform.engine.url.render_as_string(hide_password=False)
    run("backup", "loyalty", "--db", source, "-f", str(ROOT / "apps" / "loyalty.yaml"), "-o", "loyalty.zip")
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert "restored app 'loyalty'" in run("restore", "loyalty.zip", "--db", target, "--to", "restored_apps")
    engine = sa.create_engine(target)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT name, points FROM loyalty__members WHERE id = :i"), {"i": mia["id"]}).one()
        entries = conn.execute(sa.text("SELECT change FROM loyalty__points_ledger")).scalars().all()
    engine.dispose()
    assert tuple(row) == ("Mia", 300) and entries == [300]


EVENTS = """
  event_signups:             # P3: a module added later: sign-ups for a shop event
    label: {zh: 活动报名, en: Event sign-ups}
    permissions: {admin: all, operator: all}
    fields:
      member: {type: link, table: members, required: true, label: {zh: 会员, en: Member}}
      event:  {type: text, required: true, label: {zh: 活动, en: Event}}

rules:
"""


def test_P3_a_new_module_is_added_later_without_breaking_the_app(make_platform, tmp_path):
    shutil.copytree(ROOT / "apps" / "loyalty", tmp_path / "loyalty")     # its included dashboards
    text = (ROOT / "apps" / "loyalty.yaml").read_text(encoding="utf-8")
    first = make_platform(text)
    member = first.apps["loyalty"].records.create("members", {"name": "王芳", "phone": "13911112222"})
    first.apps["loyalty"].records.create("points_ledger", {"member": member["id"], "change": 50, "reason": "adjustment"})
    later = make_platform(text.replace("\nrules:\n", "\n" + EVENTS, 1).replace("version: 1", "version: 2", 1))
    inst = later.apps["loyalty"]
    assert inst.records.get("members", member["id"])["points"] == 50                  # nothing lost
    signup = inst.records.create("event_signups", {"member": member["id"], "event": "周年庆沙龙"})
    assert signup["member"] == member["id"]
    order = inst.records.create("orders", {"order_no": "P3-1", "member": member["id"], "amount": "10.00", "status": "paid"})
    inst.records.update("orders", order["id"], {"status": "completed"})
    assert inst.records.get("members", member["id"])["points"] == 60                  # the rules still run


def test_P4_a_third_party_system_integrates_through_the_api_with_a_token(loyalty):
    platform, inst, mia, app = loyalty
    secret = create_token(platform, "erp", "loyalty", "operator")
    c = app.test_client()
    h = {"Authorization": f"Bearer {secret}"}
    spec = c.get("/api/loyalty/openapi.json", headers=h).get_json()
    assert "/api/loyalty/products" in spec["paths"] or any("products" in p for p in spec["paths"])
    made = c.post("/api/loyalty/products", json={"name": "保温杯", "points_cost": 300, "stock": 20}, headers=h)
    assert made.status_code == 201
    synced = c.patch(f"/api/loyalty/products/{made.get_json()['id']}", json={"stock": 18}, headers=h)
    assert synced.status_code == 200 and synced.get_json()["stock"] == 18             # the ERP syncs the stock
    bad = c.post("/api/loyalty/products", json={"name": "x", "points_cost": "many"}, headers=h)
    assert bad.status_code == 422 and "points_cost" in bad.get_json()["error"]["fields"]
    assert c.get("/api/loyalty/products", headers={"Authorization": "Bearer wrong"}).status_code == 401
