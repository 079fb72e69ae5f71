"""Rewinding the scratch copy by each record's net change (runtime/simulate/net_undo.py) leaves every
row that undoing the audit log entry by entry, newest first, leaves; and an import of the period
(the bulk path, one entry per chunk) is undone and replayed, not a crash."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
import sqlalchemy as sa

from engines.common import clock
from engines.form.transfer import service
from runtime.demo import fill_demo_data
from runtime.platform import Platform
from runtime.simulate.net_undo import undo_after
from runtime.simulate.run import simulate
from runtime.simulate.undo import undo_entry
from tests.conftest import ROOT
from tests.import_fixture import write_csv

KIT = """
app: kit
timezone: Asia/Shanghai
tables:
  tags:
    title_field: name
    fields:
      name: {type: text, required: true, label: {zh: 标签, en: Tag}}
  members:
    title_field: name
    fields:
      name: {type: text, required: true, label: {zh: 姓名, en: Name}}
      points: {type: integer, default: 0, readonly: true, label: {zh: 积分, en: Points}}
      tags: {type: multi_link, table: tags, label: {zh: 标签组, en: Tags}}
      joined: {type: date, label: {zh: 入会日期, en: Joined}}
      spent: {type: money, label: {zh: 消费, en: Spent}}
  points_ledger:
    ledger: {account: member, amount: change, balance: points}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      reason: {type: select, required: true, options: [gift, spend]}
"""


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T10:00:00+08:00").astimezone(dt.timezone.utc)


def _kit_history(path) -> Platform:
    """Updates, multi_link changes, deletes, a record made and deleted, spending that takes from
    lots, and an import of two members (the bulk path) that are then changed and spend."""
    (path / "kit.yaml").write_text(KIT, encoding="utf-8")
    platform = Platform.from_files([str(path / "kit.yaml")], f"sqlite:///{path}/live.db")
    inst = platform.apps["kit"]
    kit = inst.records

    def on(day, fn, *args):
        with clock.fixed_at(at(day)):
            return fn(*args, source="page")

    t1, t2, t3 = (on("2026-01-02", kit.create, "tags", {"name": n})["id"] for n in ("甲", "乙", "丙"))
    a = on("2026-01-03", kit.create, "members", {"name": "王芳", "tags": [t1]})["id"]
    b = on("2026-01-03", kit.create, "members", {"name": "李雷"})["id"]
    c = on("2026-01-04", kit.create, "members", {"name": "韩梅", "spent": "3.20"})["id"]
    on("2026-01-05", kit.create, "points_ledger", {"member": a, "change": 100, "reason": "gift"})
    on("2026-01-05", kit.create, "points_ledger", {"member": b, "change": 50, "reason": "gift"})
    on("2026-02-01", kit.update, "members", a, {"name": "王芳芳", "tags": [t1, t2], "spent": "10.50"})
    on("2026-03-02", kit.update, "members", a, {"tags": [t3], "joined": "2026-03-02"})
    on("2026-03-03", kit.update, "members", a, {"name": "王芳二", "spent": "12.00"})
    on("2026-03-04", kit.create, "points_ledger", {"member": a, "change": -30, "reason": "spend"})
    on("2026-03-05", kit.create, "points_ledger", {"member": b, "change": 20, "reason": "gift"})
    d = on("2026-04-01", kit.create, "members", {"name": "赵四", "tags": [t2]})["id"]
    on("2026-04-02", kit.update, "members", d, {"name": "赵四四", "tags": []})
    on("2026-04-03", kit.delete, "members", c)
    e = on("2026-04-04", kit.create, "members", {"name": "临时"})["id"]
    on("2026-04-05", kit.update, "members", e, {"spent": "1.00"})
    on("2026-04-06", kit.delete, "members", e)
    on("2026-04-07", kit.update, "tags", t2, {"name": "乙二"})
    csv = write_csv(path / "m.csv", [["姓名", "消费"], ["新一", "5.00"], ["新二", ""]])
    with clock.fixed_at(at("2026-05-01")):
        job = service.prepare(inst, "members", csv, "m.csv", rules=False)
        assert service.run(inst, job).inserted == 2
    new = e + 2         # the second imported member
    assert kit.get("members", new)["name"] == "新二"
    on("2026-06-01", kit.update, "members", new, {"name": "新二改", "tags": [t1]})
    on("2026-06-02", kit.create, "points_ledger", {"member": new, "change": 10, "reason": "gift"})
    on("2026-06-03", kit.create, "points_ledger", {"member": new, "change": -5, "reason": "spend"})
    on("2026-06-04", kit.create, "points_ledger", {"member": a, "change": -60, "reason": "spend"})
    return platform


def _undo_each(form, conn, audit, cutoff) -> None:
    """The meaning: every entry undone by itself, newest first (an import's chunk record by record)."""
    rows = conn.execute(sa.select(audit).where(audit.c.app == form.name, audit.c.at >= cutoff)
                        .order_by(audit.c.id.desc())).mappings().all()
    for row in rows:
        if row["action"] != "import":
            undo_entry(form, conn, row)
            continue
        for first, last in reversed(json.loads(row["changes"])["records"]):
            for rid in range(last, first - 1, -1):
                undo_entry(form, conn, {**row, "record_id": rid})


def _rewound(files, db, cutoff, net: bool) -> dict:
    """Every row of every app's tables (their multi_link and lots tables too) after the rewind."""
    platform = Platform.from_files(files, f"sqlite:///{db}")
    dump, undone = {}, 0
    try:
        with platform.engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                for inst in platform.apps.values():
                    form = inst.form
                    if net:
                        undone += undo_after(form, conn, platform.audit.table, cutoff)
                    else:
                        _undo_each(form, conn, platform.audit.table, cutoff)
                    tables = [form.sql[n] for n in form.tables] + list(form.sql.joins.values()) \
                        + list(form.sql.lots.values())
                    for sql in tables:
                        dump[sql.name] = conn.execute(sa.select(sql).order_by(*sql.columns)).all()
    finally:
        platform.dispose()
    return dump, undone


def _compare(files, live, tmp_path, cutoff) -> int:
    shutil.copy(live, tmp_path / "each.db")
    shutil.copy(live, tmp_path / "net.db")
    each, _ = _rewound(files, tmp_path / "each.db", cutoff, net=False)
    net, undone = _rewound(files, tmp_path / "net.db", cutoff, net=True)
    assert each.keys() == net.keys()
    for name in each:
        assert net[name] == each[name], name
    return sum(len(rows) for rows in each.values()), undone


@pytest.mark.parametrize("cutoff", ["2026-01-01", "2026-03-01", "2026-04-03", "2026-06-02"])
def test_updates_links_deletes_lots_and_an_import_rewind_as_entry_by_entry(tmp_path, cutoff):
    platform = _kit_history(tmp_path)
    platform.dispose()
    moment = at(cutoff).replace(tzinfo=None, hour=0)
    left, undone = _compare([str(tmp_path / "kit.yaml")], tmp_path / "live.db", tmp_path, moment)
    assert undone > 0 and (left > 0 or cutoff == "2026-01-01")


def test_the_demo_year_rewinds_as_entry_by_entry(tmp_path):
    files = [str(ROOT / "apps" / "loyalty.yaml"), str(ROOT / "apps" / "membership-card.yaml")]
    platform = Platform.from_files(files, f"sqlite:///{tmp_path}/live.db")
    fill_demo_data(platform, scale=0.05)
    platform.dispose()
    now = clock.utcnow_naive()
    for days in (40, 200):
        left, undone = _compare(files, tmp_path / "live.db", tmp_path, now - dt.timedelta(days=days))
        assert left > 100 and undone > 100, (days, left, undone)


def test_an_import_in_the_period_is_replayed_as_it_was_imported(db_url, tmp_path):
    """Members imported in July with rules off (the bulk path), one of them orders in August: the
    unchanged definition replays to what happened, the import put back, nothing refused."""
    loyalty = str(ROOT / "apps/loyalty.yaml")
    url = db_url
    platform = Platform.from_files([loyalty], url, str(tmp_path))
    inst = platform.apps["loyalty"]
    csv = write_csv(tmp_path / "m.csv", [["姓名", "手机号"], ["李雷", "13800138002"], ["韩梅", "13800138003"]])
    with clock.fixed_at(at("2026-07-05")):
        job = service.prepare(inst, "members", csv, "m.csv", rules=False)
        assert service.run(inst, job).inserted == 2
    member = inst.records.get("members", 2)
    with clock.fixed_at(at("2026-08-02")):
        o = inst.records.create("orders", {"order_no": "N1", "member": member["id"], "amount": "500"}, source="api")
        inst.records.update("orders", o["id"], {"status": "completed"}, source="api")
    platform.dispose()
    report = simulate(url, [loyalty], "loyalty", loyalty, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert report["totals"]["actual"]["issued"] == report["totals"]["simulated"]["issued"] == 500
    assert report["events"]["refused"] == 0 and report["events"]["write"] == 3    # the import, the order twice
    assert report["members_differing"] == 0 and report["tier_changes"]["count"] == 0
