"""Issue 9: the quick replay of recorded updates (runtime/simulate/quick/) leaves the scratch copy
exactly as the record service leaves it. Each history is simulated twice, once with every event
through the record service (`quick=False`) and once with the quick replay, and the two replayed
copies are compared row for row in every table (the run log but its durations), and their reports
but for the seconds taken. The histories mix what the quick replay does (completions earning
points, tiers rising, a task opened midway that counts them: for_each, find_or_create, its reward)
with what it hands over (recorded creates, refunds that look up their entries with exists(), a rule
that fails, a notification)."""
from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3

import pytest

from engines.common import clock
from runtime.demo import fill_demo_data
from runtime.platform import Platform
from runtime.simulate.run import simulate
from tests.conftest import ROOT
from tests.test_simulate import JULY, SEPT, SHOP, at, make_history, write_def

LOYALTY = ROOT / "apps" / "loyalty.yaml"
APPS = {"loyalty": LOYALTY, "membership-card": ROOT / "apps" / "membership-card.yaml"}


# written by each run's install of the new definition at the wall clock's time, not by the replay
INSTALLS = "tessera_apps"


def _dump(path) -> dict:
    db = sqlite3.connect(path)
    try:
        out = {}
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != ? ORDER BY name",
                                  (INSTALLS,)):
            cursor = db.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            keep = [i for i, d in enumerate(cursor.description) if d[0] != "duration_ms"]
            out[name] = [tuple(row[i] for i in keep) for row in cursor]
        return out
    finally:
        db.close()


def both_ways(tmp_path, url, live, app, definition, first, last) -> tuple[dict, dict]:
    """Simulate through the record service only, then with the quick replay; the quick report.
    Fails at the first table whose rows differ, naming the first differing row."""
    copies, reports = {}, {}
    for quick in (False, True):
        kept = tmp_path / f"replayed-{quick}.db"
        reports[quick] = simulate(url, [str(live)], app, str(definition), first, last,
                                  media_dir=str(tmp_path / "media"), quick=quick, keep=str(kept))
        copies[quick] = _dump(kept)
    slow, quick = copies[False], copies[True]
    assert set(slow) == set(quick)
    for table in sorted(slow):
        if slow[table] != quick[table]:
            pairs = [(a, b) for a, b in zip(slow[table], quick[table]) if a != b]
            first_diff = pairs[0] if pairs else None
            pytest.fail(f"{table}: {len(slow[table])} rows by the record service, {len(quick[table])} quick; "
                        f"first difference (record service, quick): {str(first_diff)[:1000]}")
    plain = [{k: v for k, v in r.items() if k != "seconds"} for r in (reports[False], reports[True])]
    for report in plain:
        report["events"] = {k: v for k, v in report["events"].items() if not k.startswith("quick")}
    assert plain[0] == plain[1]
    assert reports[False]["events"]["quick"] == 0
    return reports[True], quick


@pytest.mark.parametrize("app", list(APPS))
def test_the_demo_year_replays_to_the_same_rows_either_way(db_url, tmp_path, app):
    platform = Platform.from_files([str(APPS[app])], db_url, media_dir=str(tmp_path / "media"))
    try:
        fill_demo_data(platform, scale=0.05)
    finally:
        platform.dispose()
    today = dt.datetime.now(dt.timezone.utc).date()
    report, _rows = both_ways(tmp_path, db_url, APPS[app], app, APPS[app], today - dt.timedelta(days=370),
                              today + dt.timedelta(days=1))
    if app == "loyalty":        # order updates go quick; the refunds' exists() goes to the record service
        assert report["events"]["quick"] > 50
        assert any("exists()" in reason for reason in report["events"]["quick_handed_over"])


@pytest.fixture
def shop(db_url, tmp_path):
    live = write_def(tmp_path, "live.yaml", SHOP)
    make_history(db_url, live)
    return db_url, live


@pytest.mark.parametrize("change", [
    ("floor(record.amount * 1)", "floor(record.amount * 1)"),                       # unchanged
    ("floor(record.amount * 1)", "floor(record.amount * 1.5)"),                     # a higher rate
    ("floor(record.amount * 1)", "floor(record.amount / (record.amount - record.amount))"),   # fails
    ("if: record.reason == 'order'", "if: record.reason == 'order' and not exists('orders', status='pending')"),
], ids=["unchanged", "rate", "failing", "exists"])
def test_the_shop_history_replays_to_the_same_rows_either_way(shop, tmp_path, change):
    url, live = shop
    new = write_def(tmp_path, "new.yaml", SHOP.replace(*change))
    report, _rows = both_ways(tmp_path, url, live, "shop", new, JULY, SEPT)
    assert report["events"]["write"] + report["events"]["refused"] == 11
    if change[1].endswith("1.5)"):
        assert report["totals"]["simulated"]["issued"] == 2851       # as test_simulate works it out
        assert report["events"]["quick"] >= 2      # completions below the VIP mark; the VIP's e-mail is handed over
        assert "the action notify" in report["events"]["quick_handed_over"]
    if "zero" in str(report["failed_rules"]):
        assert report["events"]["refused"] == 4 and report["events"]["quick_handed_over"]["a refusal"] == 4


def _loyalty_history(url, tmp_path) -> dict:
    """Forty members and 400 orders paid in June; in July-September the orders are completed (some
    members crossing the VIP and VVIP marks), every seventh refunded a few days later, and from
    2026-08-15 tasks that count completed orders are opened (from then on `task_orders` finds them,
    and makes and completes the members' progress rows, and `task_reward` pays)."""
    platform = Platform.from_files([str(LOYALTY)], url, media_dir=str(tmp_path / "media"))
    records = platform.apps["loyalty"].records
    rng = random.Random(9)
    try:
        with clock.fixed_at(at("2026-06-01")):
            members = [records.create("members", {"name": f"会员{i}", "phone": f"+8613800{i:06d}"}, source="api")["id"]
                       for i in range(40)]
        orders = []
        with clock.fixed_at(at("2026-06-10")):
            for i in range(400):
                orders.append(records.create("orders", {"order_no": f"T{i:05d}", "member": rng.choice(members[:25]),
                                                        "amount": str(rng.choice([80, 260, 990, 2400])),
                                                        "status": "paid"}, source="api")["id"])
        start = dt.datetime(2026, 7, 1, 2, tzinfo=dt.timezone.utc)
        for n, order in enumerate(orders):
            moment = start + dt.timedelta(hours=5 * n)
            if moment.date() >= dt.date(2026, 8, 15) and n % 50 == 0 and n < 300:
                with clock.fixed_at(moment - dt.timedelta(minutes=1)):
                    records.create("tasks", {"name": f"下单{n}", "kind": "newcomer", "action": "order",
                                             "target_count": 3, "reward_points": 50}, source="api")
            with clock.fixed_at(moment):
                records.update("orders", order, {"status": "completed"}, source="api")
            if n % 7 == 3:
                with clock.fixed_at(moment + dt.timedelta(days=2)):
                    records.update("orders", order, {"status": "refunded"}, source="page")
    finally:
        platform.dispose()
    return {"members": members, "orders": orders}


def test_a_quarter_of_loyalty_orders_replays_to_the_same_rows_either_way(db_url, tmp_path):
    _loyalty_history(db_url, tmp_path)
    try_dir = tmp_path / "try"
    try_dir.mkdir()
    source = LOYALTY.read_text(encoding="utf-8")
    shutil.copytree(ROOT / "apps" / "loyalty", try_dir / "loyalty")     # the files it includes
    doubled = try_dir / "loyalty.yaml"
    doubled.write_text(source.replace("{'normal': 1, 'vip': 1.2, 'vvip': 1.5}", "{'normal': 2, 'vip': 2.4, 'vvip': 3}"),
                       encoding="utf-8")
    assert doubled.read_text(encoding="utf-8") != source
    for definition in (LOYALTY, doubled):
        report, rows = both_ways(tmp_path, db_url, LOYALTY, "loyalty", definition, JULY, SEPT)
        events = report["events"]
        assert events["write"] > 400 and events["refused"] == 0
        assert events["quick"] > 300        # the completions, those a task counts from mid-August too
        assert "exists() in a rule" in events["quick_handed_over"]      # the refunds
        # the task's progress rows, counted and completed (and rewarded) by the quick replay, are there
        assert len(rows["loyalty__task_progress"]) > 5
        kept = sqlite3.connect(tmp_path / "replayed-True.db")
        rewards = kept.execute("SELECT count(*) FROM loyalty__points_ledger WHERE reason = 'task'").fetchone()[0]
        kept.close()
        assert rewards > 0
    # the doubled rate earns more and lifts more members: the quick side saw the changed rules too
    assert report["totals"]["simulated"]["issued"] > report["totals"]["actual"]["issued"] > 0
    assert report["tier_changes"]["count"] > 0


CLUB = """
app: club
timezone: Asia/Shanghai
tables:
  members:
    title_field: name
    fields:
      member_no: {type: auto_number, pattern: "C{YYYY}{0000}"}
      name: {type: text, required: true}
      points: {type: integer, default: 0, readonly: true}
  points_ledger:
    ledger: {account: member, amount: change, balance: points}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      reason: {type: select, required: true, options: [welcome]}
rules:
  welcome:
    when: {created: members}
    do:
      - post: {ledger: points_ledger, account: =record.id, amount: 100, key: "=concat('welcome-', str(record.id))",
               values: {reason: welcome}}
"""


def test_unique_values_and_auto_numbers_in_the_quick_replay_are_the_record_services(db_url, tmp_path):
    """A new definition makes the members' names unique. Of the period's new members, one takes a name a
    member made before the period holds (refused), one a name another new member took moments before
    (refused: that one is still only in the quick replay's memory), and one the name the member made
    before had until the period renamed them (allowed: the copy is out of date there). Member numbers
    go on from the counter as it stood at the period's start, with the refused ones drawing none."""
    live = write_def(tmp_path, "live.yaml", CLUB)
    platform = Platform.from_files([live], db_url)
    records = platform.apps["club"].records
    with clock.fixed_at(at("2026-06-01")):
        ann = records.create("members", {"name": "Ann"}, source="page")["id"]
        records.create("members", {"name": "Cat"}, source="page")
    for day, (action, values) in enumerate([("create", {"name": "Bob"}), ("create", {"name": "Bob"}),
                                            ("create", {"name": "Cat"}), ("update", {"name": "Anna"}),
                                            ("create", {"name": "Ann"}), ("create", {"name": "Dan"})], start=2):
        with clock.fixed_at(at(f"2026-07-{day:02d}")):
            if action == "create":
                records.create("members", values, source="api")
            else:
                records.update("members", ann, values, source="page")
    platform.dispose()
    new = write_def(tmp_path, "new.yaml", CLUB.replace("name: {type: text, required: true}",
                                                       "name: {type: text, required: true, unique: true}"))
    report, rows = both_ways(tmp_path, db_url, live, "club", new, JULY, SEPT)
    assert report["events"]["refused"] == 2
    assert {e["record_id"] for e in report["events"]["refused_events"]} == {4, 5}     # the second Bob, Cat
    assert report["events"]["quick"] == 4 and report["events"]["quick_handed_over"] == {"a refusal": 2}
    names = sorted((row[6], row[5]) for row in rows["club__members"])
    assert names == [("Ann", "C20260004"), ("Anna", "C20260001"), ("Bob", "C20260003"), ("Cat", "C20260002"),
                     ("Dan", "C20260005")]
    assert report["totals"]["simulated"]["issued"] == 300 and report["totals"]["actual"]["issued"] == 500
