"""The bulk path (an insert with rules off): the same rows refused at the same cells and the same records written as
through the record service, one audit entry per chunk that each record's history finds, opening
balances through the ledger."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from engines.form.access import Access
from engines.form.errors import RecordError
from engines.form.transfer import service
from tests.import_fixture import CLUB, do_import, entries, members, write_csv
from tests.test_import_jobs import HEAD

ROWS = [HEAD,
        ["好人", "13800000001", "贵宾", "2024/3/5", "1", "3", "100", "2030-01-01"],
        ["甲", "12345", "", "", "", "", "", ""],
        ["乙", "13800000003", "", "2024-02-30", "", "", "", ""],
        ["丙", "13800000004", "金卡", "", "", "", "", ""],
        ["", "13800000005", "", "", "", "", "", ""],
        ["名字实在是太长了超过十个字", "13800000006", "", "", "", "", "", ""],
        ["戊", "13800000008", "", "", "", "-1", "", ""],
        ["己", "13800000001", "", "", "", "", "", ""],
        ["庚", "13900000000", "", "", "", "", "", ""],
        ["辛", "13800000011", "", "", "999", "", "", ""],
        ["壬", "13800000012", "", "", "", "", "-5", ""],
        ["好人二", "13800000013", "", "45356", "", "", "7", ""]]
FIELDS = ("name", "phone", "tier", "birthday", "store", "visits", "points", "greeted", "created_by")


def _seed(inst):
    inst.records.create("stores", {"name": "总店"}, source="test")
    inst.records.create("members", {"name": "老会员", "phone": "13900000000"}, source="test")


def test_fast_path_refuses_and_writes_what_the_record_service_does(make_platform, tmp_path):
    platform = make_platform(CLUB, CLUB.replace("app: club", "app: fast"))
    slow, fast = platform.apps["club"], platform.apps["fast"]
    _seed(slow)
    _seed(fast)
    path = write_csv(tmp_path / "m.csv", ROWS)
    _j, a = do_import(slow, path, rules=False, bulk=False, chunk=5)      # the record service, row by row
    job, b = do_import(fast, path, rules=False, chunk=5)                 # what an insert without rules takes
    assert (a.inserted, a.failed) == (b.inserted, b.failed) == (2, 10)
    assert sorted((e.row, e.column) for e in a.errors) == sorted((e.row, e.column) for e in b.errors)
    assert [{k: m[k] for k in FIELDS} for m in members(slow)] == [{k: m[k] for k in FIELDS} for m in members(fast)]
    assert [(e["change"], e["ledger_key"]) for e in entries(fast)] == [(100, f"import-{job}-2"), (7, f"import-{job}-13")]
    same = lambda e: {k: v for k, v in e.items() if k not in ("id", "member", "created_at", "updated_at", "ledger_key")}  # noqa: E731
    assert [same(e) for e in entries(fast)] == [same(e) for e in entries(slow)]     # the ledger's own entry, lot and all
    assert [m["points"] for m in members(fast)] == [0, 100, 7]
    audit = platform.metadata.tables["tessera_audit"]
    imported = [m["id"] for m in members(fast)[1:]]
    with platform.engine.connect() as conn:
        chunks = conn.execute(sa.select(audit.c.changes).where(
            audit.c.app == "fast", audit.c.tbl == "members", audit.c.action == "import",
            audit.c.source == "import")).scalars().all()
        # one entry per chunk that wrote records (rows 2-6 and 12-13 here), holding their ids
        held = [i for c in chunks for lo, hi in json.loads(c)["records"] for i in range(lo, hi + 1)]
        assert sorted(held) == imported and len(chunks) == 2
        for rid in imported:      # each record's history finds its chunk's entry
            assert [e["action"] for e in platform.audit.history(conn, "fast", "members", rid)][-1] == "import"
        assert "import" not in [e["action"] for e in platform.audit.history(conn, "fast", "members", 1)]


def test_an_insert_without_rules_takes_the_bulk_path_by_itself(make_platform, tmp_path):
    platform = make_platform(CLUB)
    inst = platform.apps["club"]
    path = write_csv(tmp_path / "m.csv", [["姓名"], ["甲"]])
    with pytest.raises(RecordError, match="fast path"):
        do_import(inst, path, bulk=True)             # asked for with rules on: refused
    do_import(inst, path)                            # rules on: the record service, and the rules ran
    clerk = Access(inst.form, roles={"clerk"}, user_id=3)
    job = service.prepare(inst, "members", path, "m.csv", rules=False, access=clerk, actor=3)
    out = service.run(inst, job, access=clerk, actor=3)
    assert out.inserted == 1
    assert [(m["created_by"], m["greeted"]) for m in members(inst)] == [(None, True), (3, False)]
    audit = platform.metadata.tables["tessera_audit"]
    with platform.engine.connect() as conn:
        actions = conn.execute(sa.select(audit.c.action).where(audit.c.app == "club", audit.c.tbl == "members")
                               .order_by(audit.c.id)).scalars().all()
    assert actions[0] == "create" and actions[-1] == "import"      # one entry per record, then the chunk's


def test_the_chunk_entry_shows_on_the_history_and_the_audit_page(make_platform, tmp_path):
    from runtime.auth import create_user
    from runtime.webapp import create_app
    from tests.conftest import sign_in

    platform = make_platform(CLUB)
    inst = platform.apps["club"]
    create_user(platform, "boss", "correct horse battery", is_admin=True)
    path = write_csv(tmp_path / "m.csv", [["姓名", "积分"], ["甲", "30"], ["乙", ""], ["丙", ""]])
    do_import(inst, path, rules=False)
    client = create_app(platform).test_client()
    sign_in(client, "boss", "correct horse battery")
    second = members(inst)[1]["id"]
    html = client.get(f"/club/members/{second}?lang=en").get_data(as_text=True)
    assert "imported" in html
    page = client.get("/_audit?app=club&table=members&lang=zh").get_data(as_text=True)
    assert "批量导入" in page and f"#{second - 1}–#{second + 1}" in page
