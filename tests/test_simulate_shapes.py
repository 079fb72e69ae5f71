"""Histories and definitions an operator really has (issue 9): a definition that only renames gives
back what happened; a record deleted before the period does not lend its id to one made in it; an
import of the period meets a new definition's added field; arguments out of range are clear errors."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engines.common import clock
from engines.form.transfer import service
from runtime.platform import Platform
from runtime.simulate.errors import SimulationError
from runtime.simulate.run import simulate
from tests.import_fixture import write_csv
from tests.test_simulate import JULY, SEPT, SHOP, at, make_history, write_def

ROOT = Path(__file__).resolve().parent.parent

RENAMES = {
    "a field": lambda s: s.replace("amount: {type: money, required: true}",
                                   "total: {type: money, required: true, renamed_from: amount}")
                          .replace("record.amount", "record.total"),
    "a table": lambda s: s.replace("  orders:\n    fields:", "  sales:\n    renamed_from: orders\n    fields:")
                          .replace("updated: orders", "updated: sales"),
    "the tier field": lambda s: s.replace("tier: {type: select,", "level: {type: select, renamed_from: tier,")
                                 .replace("record.tier", "record.level").replace("set: {tier: vip}", "set: {level: vip}"),
}


@pytest.mark.parametrize("renamed", list(RENAMES))
def test_a_definition_that_only_renames_replays_to_what_happened(db_url, tmp_path, renamed):
    live = write_def(tmp_path, "live.yaml", SHOP)
    make_history(db_url, live)
    new = write_def(tmp_path, "new.yaml", RENAMES[renamed](SHOP))
    assert Path(new).read_text(encoding="utf-8") != Path(live).read_text(encoding="utf-8")
    tier_fields = ("tier", "level") if renamed == "the tier field" else ("tier",)
    for tier_field in tier_fields:         # --tier-field by the old name or the new one
        report = simulate(db_url, [live], "shop", new, JULY, SEPT, tier_field=tier_field)
        assert report["events"]["refused"] == 0 and report["events"]["write"] == 11
        assert report["totals"]["actual"] == report["totals"]["simulated"]
        assert report["totals"]["actual"]["issued"] == 1900
        assert report["members_differing"] == 0 and report["tier_changes"]["count"] == 0
        assert {t["key"] for t in report["tiers"]} >= {"vip"}        # Alice's tier is read on both sides


def test_a_record_deleted_before_the_period_lends_its_id_to_none_made_in_it(db_url):
    """A voided top-up before July: the July top-up is replayed under its own id, so its ledger key
    (`top-up-<id>`) is its own and its credit counts."""
    card_app = str(ROOT / "apps/membership-card.yaml")
    platform = Platform.from_files([card_app], db_url)
    rec = platform.apps["membership-card"].records

    def on(day, fn, *args):
        with clock.fixed_at(at(day)):
            return fn(*args, source="page")

    member = on("2026-06-01", rec.create, "members", {"name": "王芳", "phone": "13800138001"})["id"]
    card = on("2026-06-01", rec.create, "cards", {"member": member})["id"]
    on("2026-06-02", rec.create, "top_ups", {"card": card, "amount": "1000"})
    voided = on("2026-06-03", rec.create, "top_ups", {"card": card, "amount": "500"})["id"]
    on("2026-06-04", rec.delete, "top_ups", voided)
    on("2026-07-14", rec.create, "top_ups", {"card": card, "amount": "200"})
    platform.dispose()
    report = simulate(db_url, [card_app], "membership-card", card_app, JULY, SEPT)
    assert report["totals"]["actual"] == report["totals"]["simulated"]
    assert report["totals"]["simulated"]["issued"] == "200.00" and report["totals"]["simulated"]["outstanding"] == "1200.00"
    assert report["members_differing"] == 0


def test_an_import_of_the_period_meets_a_field_the_new_definition_adds(db_url, tmp_path):
    loyalty = str(ROOT / "apps/loyalty.yaml")
    platform = Platform.from_files([loyalty], db_url, str(tmp_path))
    inst = platform.apps["loyalty"]
    csv = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["李雷", "13800138002"], ["韩梅", "13800138003"]])
    with clock.fixed_at(at("2026-07-05")):
        assert service.run(inst, service.prepare(inst, "members", csv, "m.csv", rules=False)).inserted == 2
    with clock.fixed_at(at("2026-08-02")):
        o = inst.records.create("orders", {"order_no": "N1", "member": 1, "amount": "500"}, source="api")
        inst.records.update("orders", o["id"], {"status": "completed"}, source="api")
    platform.dispose()
    new = tmp_path / "new"
    shutil.copytree(ROOT / "apps/loyalty", new / "loyalty")
    text = Path(loyalty).read_text(encoding="utf-8")
    text = text.replace("      avatar:", "      bonus_factor: {type: integer}\n      avatar:", 1).replace(
        "amount: \"=floor(coalesce(record.cash_paid, record.amount) * {",
        "amount: \"=floor(coalesce(record.cash_paid, record.amount) * coalesce(record.member.bonus_factor, 2) * {", 1)
    assert "bonus_factor" in text
    (new / "loyalty.yaml").write_text(text, encoding="utf-8")
    report = simulate(db_url, [loyalty], "loyalty", str(new / "loyalty.yaml"), JULY, SEPT)
    assert report["events"]["refused"] == 0 and report["events"]["write"] == 3
    # the imported member has no bonus factor, as the members before the new field: 2 by the rule
    assert report["totals"]["actual"]["issued"] == 500 and report["totals"]["simulated"]["issued"] == 1000


def test_arguments_out_of_range_are_clear_errors(history_file):
    live, url = history_file
    with pytest.raises(SimulationError, match="years 1 to 9999"):
        simulate(url, [live], "shop", live, JULY, dt.date(9999, 12, 31))
    with pytest.raises(SimulationError, match="years 1 to 9999"):
        simulate(url, [live], "shop", live, dt.date(1, 1, 1), SEPT)
    with pytest.raises(SimulationError, match="no ledger of that name.*its ledgers: points_ledger"):
        simulate(url, [live], "shop", live, JULY, SEPT, ledger="orders")
    for bad in ("Infinity", "NaN", "-1"):
        done = subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", live, "--app", "shop", "--definition",
                               live, "--from", "2026-07-01", "--to", "2026-09-30", "--db", url, "--point-value", bad],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 2 and f"'{bad}' is not an amount of money" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


@pytest.fixture
def history_file(tmp_path):
    url = f"sqlite:///{tmp_path}/live.db"
    live = write_def(tmp_path, "live.yaml", SHOP)
    make_history(url, live)
    return live, url


def test_a_press_refused_live_and_again_is_not_a_refusal_of_the_new_rules(db_url, tmp_path):
    """A second check-in the same day was refused live; replayed through the same rules it is refused
    again: counted apart, not as what the new rules refuse."""
    from runtime.auth import create_user, grant
    from runtime.webapp import create_app
    from tests.conftest import csrf_from, sign_in

    loyalty = str(ROOT / "apps/loyalty.yaml")
    platform = Platform.from_files([loyalty], db_url, str(tmp_path))
    inst = platform.apps["loyalty"]
    create_user(platform, "sam", "sam-password-1")
    grant(platform, "sam", "loyalty", "store_staff")
    with clock.fixed_at(at("2026-06-01")):
        member = inst.records.create("members", {"name": "王芳", "phone": "13800138001"}, source="page")["id"]
    app = create_app(platform)
    app.config["TESTING"] = True
    sam = app.test_client()
    sign_in(sam, "sam", "sam-password-1")
    csrf = {"X-CSRFToken": csrf_from(sam.get("/loyalty/members/").get_data(as_text=True))}
    with clock.fixed_at(at("2026-07-03")):
        assert sam.post(f"/api/loyalty/members/{member}/actions/check_in", headers=csrf).status_code == 200
    with clock.fixed_at(at("2026-07-03", 15)):
        again = sam.post(f"/api/loyalty/members/{member}/actions/check_in", headers=csrf)
        assert again.status_code == 422
    platform.dispose()
    report = simulate(db_url, [loyalty], "loyalty", loyalty, JULY, SEPT)
    assert report["events"]["press"] == 1 and report["events"]["refused_as_live"] == 1
    assert report["events"]["refused"] == 0 and report["events"]["refused_events"] == []
    assert report["totals"]["actual"] == report["totals"]["simulated"] and report["totals"]["actual"]["issued"] == 10
    # a new rule that refuses every check-in: that is a refusal of the new rules, named by its rule
    new = tmp_path / "new"
    shutil.copytree(ROOT / "apps/loyalty", new / "loyalty")
    text = Path(loyalty).read_text(encoding="utf-8").replace(
        "        if: exists('check_ins', member=record.id, day=today())", "        if: today() == today()", 1)
    assert text != Path(loyalty).read_text(encoding="utf-8")
    (new / "loyalty.yaml").write_text(text, encoding="utf-8")
    closed = simulate(db_url, [loyalty], "loyalty", str(new / "loyalty.yaml"), JULY, SEPT)
    assert closed["events"]["refused"] == 1 and closed["events"]["refused_as_live"] == 1
    assert [e["action"] for e in closed["events"]["refused_events"]] == ["daily_check_in"]
    assert closed["totals"]["simulated"]["issued"] == 0
