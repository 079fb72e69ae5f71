"""Rule simulation (issue 9): a fixed history, replayed through changed rules on a scratch copy."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from engines.common import clock
from runtime.platform import Platform
from runtime.simulate.errors import SimulationError
from runtime.simulate.run import simulate
from tests.outbox_servers import HTTPReceiver, SMTPServer

ROOT = Path(__file__).resolve().parent.parent
SHOP = (Path(__file__).parent / "simulate_fixture" / "shop.yaml").read_text(encoding="utf-8")
JULY, SEPT = dt.date(2026, 7, 1), dt.date(2026, 9, 30)


def at(day: str, hour: int = 10) -> dt.datetime:
    """A moment in Shanghai (the app's zone) as UTC."""
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(dt.timezone.utc)


def write_def(tmp_path, name, text, hook="http://127.0.0.1:9/none"):
    path = tmp_path / name
    path.write_text(text.replace("HOOK_URL", hook), encoding="utf-8")
    return str(path)


def make_history(url, live_def) -> dict:
    """Three members; orders before, inside and after July-September 2026; one spend in September."""
    platform = Platform.from_files([live_def], url)
    shop = platform.apps["shop"].records
    ids = {}

    def order(member, no, amount, day, complete=True):
        with clock.fixed_at(at(day, 9)):
            o = shop.create("orders", {"order_no": no, "member": ids[member], "amount": amount}, source="api")
        if complete:
            with clock.fixed_at(at(day, 18)):
                shop.update("orders", o["id"], {"status": "completed"}, source="page")

    for name, day in (("Alice", "2026-06-01"), ("Bob", "2026-06-02")):
        with clock.fixed_at(at(day)):
            ids[name] = shop.create("members", {"name": name, "email": f"{name.lower()}@example.com"}, source="page")["id"]
    order("Alice", "A-1", "300", "2026-06-20")          # before the period: 300 points earned either way
    order("Alice", "A-2", "400.80", "2026-07-03")
    with clock.fixed_at(at("2026-07-15")):
        ids["Carol"] = shop.create("members", {"name": "Carol", "email": "carol@example.com"}, source="api")["id"]
    order("Bob", "B-1", "200", "2026-07-20")
    order("Alice", "A-3", "500", "2026-08-10")           # Alice reaches 1,200: VIP, in both worlds
    order("Carol", "C-1", "800", "2026-09-01")           # Carol: 800 at rate 1, 1,200 (VIP) at 1.5
    order("Bob", "B-2", "100", "2026-09-05", complete=False)
    with clock.fixed_at(at("2026-09-10")):
        shop.create("points_ledger", {"member": ids["Alice"], "change": -100, "reason": "spend"}, source="api")
    order("Alice", "A-4", "50", "2026-10-02")            # after the period: not in the report
    platform.dispose()
    return ids


@pytest.fixture
def history(db_url, tmp_path):
    live = write_def(tmp_path, "live.yaml", SHOP)
    ids = make_history(db_url, live)
    return db_url, live, ids


def run(history, tmp_path, text):
    url, live, _ids = history
    new = write_def(tmp_path, "new.yaml", text)
    return simulate(url, [live], "shop", new, JULY, SEPT, point_value=Decimal("0.01"))


def test_the_unchanged_definition_replays_to_what_happened(history, tmp_path):
    report = run(history, tmp_path, SHOP)
    totals = report["totals"]
    assert totals["actual"] == totals["simulated"]
    assert totals["actual"] == {"issued": 1900, "spent": 100, "expired": 0, "outstanding": 2100, "liability": "21.00"}
    assert [d["key"] for d in report["days"]] == ["2026-07-03", "2026-07-20", "2026-08-10", "2026-09-01", "2026-09-10"]
    assert all(d["actual"] == d["simulated"] for d in report["days"] + report["tiers"])
    assert report["tier_changes"]["count"] == 0 and report["members_differing"] == 0
    assert report["messages"]["actual"] == report["messages"]["simulated"] == 2    # Alice's e-mail and webhook
    assert report["events"]["refused"] == 0
    assert report["events"]["write"] == 11     # Carol, 5 orders created, 4 completed, the spend
    assert report["events"]["skipped"] == 1     # the spend's balance move: the ledger's doing, replayed with it


def test_a_higher_earn_rate_gives_the_exact_totals(history, tmp_path):
    _url, _live, ids = history
    report = run(history, tmp_path, SHOP.replace("floor(record.amount * 1)", "floor(record.amount * 1.5)"))
    totals = report["totals"]
    # 400.80 -> 601, 500 -> 750, 200 -> 300, 800 -> 1,200: 2,851 against 400 + 500 + 200 + 800
    assert (totals["actual"]["issued"], totals["simulated"]["issued"]) == (1900, 2851)
    assert totals["change"] == {"issued": 951, "spent": 0, "expired": 0, "outstanding": 951, "liability": "9.51"}
    assert totals["simulated"]["outstanding"] == (300 + 601 + 750 - 100) + 300 + 1200
    days = {d["key"]: d for d in report["days"]}
    assert (days["2026-07-03"]["actual"]["issued"], days["2026-07-03"]["simulated"]["issued"]) == (400, 601)
    tiers = {d["key"]: d for d in report["tiers"]}
    assert tiers["vip"]["simulated"]["issued"] == 601 + 750 + 1200      # Alice and Carol end VIP
    assert tiers["normal"]["simulated"]["issued"] == 300
    assert report["tier_changes"]["members"] == [
        {"member": ids["Carol"], "name": "Carol", "actual": "normal", "simulated": "vip"}]
    assert [(d["name"], d["actual"], d["simulated"], d["difference"]) for d in report["largest_differences"]] == [
        ("Alice", 800, 1251, 451), ("Carol", 800, 1200, 400), ("Bob", 200, 300, 100)]   # net of the period
    assert report["messages"]["simulated"] == 4
    sent = {(m["channel"], m["recipient"]) for m in report["messages"]["would_send"]}
    assert ("email", "carol@example.com") in sent and ("email", "alice@example.com") in sent


def test_a_rule_that_fails_in_the_new_definition_is_reported_not_raised(history, tmp_path):
    broken = SHOP.replace("floor(record.amount * 1)", "floor(record.amount / (record.amount - record.amount))")
    report = run(history, tmp_path, broken)
    [failed] = report["failed_rules"]["simulated"]
    assert failed["rule"] == "earn_on_order" and failed["count"] == 4
    assert "earn_on_order" in failed["error"] and "zero" in failed["error"].lower()
    assert report["events"]["refused"] == 4
    assert {e["action"] for e in report["events"]["refused_events"]} == {"update"}
    assert report["totals"]["simulated"]["issued"] == 0
    assert report["totals"]["simulated"]["spent"] == 100     # the other events went on


def test_a_definition_for_another_app_is_refused_before_anything_runs(history, tmp_path):
    with pytest.raises(SimulationError, match="no app 'shop'"):
        run(history, tmp_path, SHOP.replace("app: shop", "app: other"))


def _digest(path: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.parent.glob(path.name + "*"))}


def test_the_live_file_is_unchanged_and_nothing_is_delivered(tmp_path):
    """Its own SQLite file in both passes: byte-for-byte comparison is SQLite's."""
    db = tmp_path / "live.db"
    with SMTPServer() as smtp, HTTPReceiver() as hook:
        live = write_def(tmp_path, "live.yaml", SHOP, hook=f"{hook.url}/vip")
        make_history(f"sqlite:///{db}", live)
        hook.received.clear()
        before = _digest(db)
        new = write_def(tmp_path, "new.yaml", SHOP.replace("* 1)", "* 1.5)"), hook=f"{hook.url}/vip")
        env = {**os.environ, "TESSERA_SMTP_HOST": "127.0.0.1", "TESSERA_SMTP_PORT": str(smtp.port),
               "TESSERA_SMTP_FROM": "shop@example.com"}
        out = tmp_path / "report.json"
        done = subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", live, "--app", "shop",
                               "--definition", new, "--from", "2026-07-01", "--to", "2026-09-30",
                               "--db", f"sqlite:///{db}", "-o", str(out)],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert _digest(db) == before
        assert smtp.mailbox.messages == [] and hook.received == []
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["messages"]["simulated"] == 4          # captured in the report, never sent
    assert "issued 1900 -> 2851" in done.stdout


def test_a_missing_live_database_is_a_clear_error_and_creates_nothing(tmp_path):
    live = write_def(tmp_path, "live.yaml", SHOP)
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", live, "--app", "shop", "--definition", live,
                           "--from", "2026-07-01", "--to", "2026-09-30", "--db", f"sqlite:///{tmp_path / 'none.db'}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1 and f"error: no database file {tmp_path / 'none.db'}" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "none.db").exists()


def test_bad_dates_are_a_clear_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", "--app", "shop", "--definition",
                           str(Path(__file__)), "--from", "2026-13-01", "--to", "2026-09-30"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "'2026-13-01' is not a date" in done.stderr


def admin_client(platform):
    """A test client of the platform's web app, signed in as a new administrator."""
    from runtime.auth import create_user
    from runtime.webapp import create_app
    from tests.conftest import sign_in

    create_user(platform, "boss", "boss-password-1", is_admin=True)
    app = create_app(platform)
    app.config["TESTING"] = True
    client = app.test_client()
    sign_in(client, "boss", "boss-password-1")
    return client


def test_the_page_beside_the_definition_upload_shows_the_report(history, tmp_path):
    import io

    from tests.conftest import csrf_from

    url, live, _ids = history
    platform = Platform.from_files([live], url)
    try:
        client = admin_client(platform)
        apps_page = client.get("/_admin/apps").get_data(as_text=True)
        assert "/_admin/simulate/shop" in apps_page
        token = csrf_from(client.get("/_admin/simulate/shop").get_data(as_text=True))
        new = Path(write_def(tmp_path, "upload.yaml", SHOP.replace("* 1)", "* 1.5)"))).read_bytes()

        def send(path, **fields):
            data = {"csrf_token": token, "from": "2026-07-01", "to": "2026-09-30", **fields}
            if "definition" not in fields:
                data["definition"] = (io.BytesIO(new), "new.yaml")
            return client.post(path, data=data, content_type="multipart/form-data")

        started = send("/_admin/simulate/shop")       # runs in the background; its page shows how far
        assert started.status_code == 303, started.get_data(as_text=True)[-3000:]
        run_page = started.headers["Location"]
        assert re.fullmatch(r"/_admin/simulate/shop/runs/\d+", run_page)
        deadline = time.monotonic() + 60
        while (run := client.get(run_page + "?format=json").get_json())["status"] == "running":
            assert time.monotonic() < deadline, run
            time.sleep(0.2)
        assert run["status"] == "done" and run["events_done"] == run["events_total"] > 0, run
        assert run["report"]["totals"]["change"]["liability"] == "9.51" and run["report"]["definition"] == "new.yaml"
        page = client.get(run_page)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert 'http-equiv="refresh"' not in text           # done: the page stops reloading
        link = re.search(r'id="sim-json" href="([^"]+)" download="simulation-shop-\d+.json">下载报告（JSON）', text)
        assert link and client.get(html.unescape(link.group(1))).get_json()["report"] == run["report"]
        assert "<th>发放积分</th><td>1900</td><td>2851</td><td><strong>951</strong></td>" in text.replace("\n", "")
        assert "Carol" in text and "carol@example.com" in text
        quick = run["report"]["events"]["quick"]      # the completions below the VIP mark, in memory
        assert quick >= 2 and f"其中 {quick} 个在内存中快速重放" in text
        as_json = send("/_admin/simulate/shop?format=json").get_json()
        assert as_json["totals"]["change"]["liability"] == "9.51"
        bad = send("/_admin/simulate/shop", **{"to": "someday"})
        assert bad.status_code == 400 and "请填写两个日期" in bad.get_data(as_text=True)
        backwards = send("/_admin/simulate/shop", **{"from": "2026-09-30", "to": "2026-07-01"})
        assert backwards.status_code == 400 and "结束日期早于开始日期" in backwards.get_data(as_text=True)
        assert client.get("/_admin/simulate/shop/runs/999999").status_code == 404
        # a definition the scratch copy cannot take (it would convert data) fails the run, with why
        converting = SHOP.replace("HOOK_URL", "http://127.0.0.1:9/none").replace("reference: {type: text}", "reference: {type: integer}")
        failed_run = send("/_admin/simulate/shop", definition=(io.BytesIO(converting.encode()), "int.yaml"))
        assert failed_run.status_code == 303, failed_run.get_data(as_text=True)[-2000:]
        while (gone := client.get(failed_run.headers["Location"] + "?format=json").get_json())["status"] == "running":
            time.sleep(0.2)
        assert gone["status"] == "failed" and "reference" in gone["error"] and gone["report"] is None
        shown = client.get(failed_run.headers["Location"]).get_data(as_text=True)
        assert "模拟无法运行" in shown and "reference" in shown
        # a run whose server process went away is not heard of again: after a while it shows as stopped
        runs = platform.system["simulations"]
        run_id = int(run_page.rsplit("/", 1)[1])
        with platform.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                status="running", heartbeat_at=dt.datetime(2026, 1, 1)))
        stopped = client.get(run_page).get_data(as_text=True)
        assert "模拟已中止" in stopped and 'http-equiv="refresh"' not in stopped
        with platform.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(heartbeat_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
        running = client.get(run_page).get_data(as_text=True)
        assert 'http-equiv="refresh"' in running and "正在重放" in running
        broken = send("/_admin/simulate/shop?format=json", definition=(io.BytesIO(b"app: shop\ntables: 3\n"), "x.yaml"))
        assert broken.status_code == 422 and "x.yaml:2:9: tables: expected a mapping" in \
            broken.get_json()["error"]["fields"]["definition"]       # named as sent, not as the temporary copy
    finally:
        platform.dispose()


def test_the_yaml_editors_text_is_simulated_before_it_is_saved(history, tmp_path):
    """The YAML editor (the definition editor) sends its text as it stands, not saved, to the simulation;
    the file on disk and the app served stay as they were."""
    from tests.conftest import csrf_from

    url, live, _ids = history
    platform = Platform.from_files([live], url)
    try:
        client = admin_client(platform)
        before = _digest(Path(live))
        with clock.fixed_at(dt.datetime(2026, 10, 1, 4)):          # noon in Shanghai
            editor = client.get("/_admin/designer/shop/yaml").get_data(as_text=True)
        form = re.search(r'<form method="post" id="yaml-simulate".*?</form>', editor, re.S).group(0)
        assert 'action="/_admin/simulate/shop"' in form and 'target="_blank"' in form
        assert 'name="from" value="2026-07-03"' in form and 'name="to" value="2026-09-30"' in form
        assert "保存之前" in form and 'name="definition_text"' in form
        edited = SHOP.replace("HOOK_URL", "http://127.0.0.1:9/none").replace("* 1)", "* 1.5)")
        fields = {"csrf_token": csrf_from(form), "from": "2026-07-01", "to": "2026-09-30", "definition_text": edited}
        report = client.post("/_admin/simulate/shop?format=json", data=fields).get_json()
        assert report["totals"]["change"]["liability"] == "9.51"
        assert report["definition"] == "live.yaml (YAML editor, not saved)"
        started = client.post("/_admin/simulate/shop", data=fields)
        assert started.status_code == 303, started.get_data(as_text=True)[-2000:]
        deadline = time.monotonic() + 60
        while (run := client.get(started.headers["Location"] + "?format=json").get_json())["status"] == "running":
            assert time.monotonic() < deadline, run
            time.sleep(0.2)
        shown = client.get(started.headers["Location"]).get_data(as_text=True)
        assert "live.yaml（YAML 编辑器中的文本，未保存）" in shown and "<strong>951</strong>" in shown
        broken = client.post("/_admin/simulate/shop", data={**fields, "definition_text": edited.replace("tables:", "tables: 3\nx:")})
        assert broken.status_code == 422
        assert "live.yaml:5:9: tables: expected a mapping" in broken.get_data(as_text=True)    # the editor's lines
        empty = client.post("/_admin/simulate/shop", data={**fields, "definition_text": ""})
        assert empty.status_code == 400 and "请先选择定义文件" in empty.get_data(as_text=True)
        assert _digest(Path(live)) == before
        assert platform.apps["shop"].app.source == live and "* 1)" in Path(live).read_text(encoding="utf-8")
    finally:
        platform.dispose()


def test_the_loyalty_app_replays_to_what_happened_and_a_doubled_normal_rate_doubles_it(db_url, tmp_path):
    """The shipped app, its real rules: orders paid partly in points, completed, one refunded, a redemption."""
    loyalty = str(ROOT / "apps/loyalty.yaml")
    platform = Platform.from_files([loyalty], db_url)
    shop = platform.apps["loyalty"].records
    with clock.fixed_at(at("2026-06-01")):
        m = shop.create("members", {"name": "王芳", "phone": "13800138001"}, source="page")["id"]
        p = shop.create("products", {"name": "杯子", "points_cost": 300, "stock": 5}, source="page")["id"]
    for n, (day, amount, used) in enumerate([("2026-07-02", "500", 0), ("2026-07-09", "800", 0),
                                             ("2026-08-01", "300", 1000), ("2026-08-20", "120", 0)]):
        with clock.fixed_at(at(day, 9)):
            o = shop.create("orders", {"order_no": f"N{n}", "member": m, "amount": amount, "points_used": used},
                            source="api")["id"]
        with clock.fixed_at(at(day, 20)):
            shop.update("orders", o, {"status": "completed"}, source="api")
    with clock.fixed_at(at("2026-08-25")):
        shop.update("orders", o, {"status": "refunded"}, source="page")
        shop.create("redemptions", {"member": m, "product": p}, source="api")
    platform.dispose()
    same = simulate(db_url, [loyalty], "loyalty", loyalty, JULY, SEPT)
    assert same["totals"]["actual"] == same["totals"]["simulated"]
    assert same["totals"]["actual"]["issued"] == 500 + 800 + 290 + 120   # 300 yuan less 10 paid in points
    assert same["totals"]["actual"]["spent"] == 1000 + 120 + 300          # the points paid, the refund, the mug
    assert same["members_differing"] == 0 and same["events"]["refused"] == 0
    doubled = tmp_path / "loyalty.yaml"
    doubled.write_text(Path(loyalty).read_text(encoding="utf-8").replace("{'normal': 1, ", "{'normal': 2, "),
                       encoding="utf-8")
    shutil.copytree(ROOT / "apps/loyalty", tmp_path / "loyalty")    # its include, beside it
    changed = simulate(db_url, [loyalty], "loyalty", str(doubled), JULY, SEPT)
    assert changed["totals"]["simulated"]["issued"] == 2 * (500 + 800 + 290 + 120)
    assert changed["totals"]["simulated"]["spent"] == 1000 + 240 + 300
    assert changed["largest_differences"] == [{"member": m, "name": "王芳", "actual": 1710 - 1420,
                                               "simulated": 3420 - 1540, "difference": 1710 - 120}]
