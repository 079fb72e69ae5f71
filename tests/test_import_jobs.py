"""Imports through the record service: the dry-run report, the modes, opening ledger entries, rules
on or off, permissions, the failed rows file, and resuming a job that stopped half-way."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from engines.form.access import Access, Forbidden
from engines.form.transfer import service
from engines.form.transfer.columns import BadMapping
from engines.form.transfer.jobs import Jobs
from tests.import_fixture import CLUB, do_import, entries, members, write_csv

HEAD = ["姓名", "手机号", "等级", "生日", "门店", "到店次数", "积分", "积分有效期"]


@pytest.fixture
def club(make_platform):
    inst = make_platform(CLUB).apps["club"]
    inst.records.create("stores", {"name": "总店"}, source="test")
    inst.records.create("members", {"name": "老会员", "phone": "13900000000"}, source="test")
    return inst


def test_dry_run_reports_every_kind_of_bad_row_and_writes_nothing(club, tmp_path):
    rows = [HEAD,
            ["好人", "13800000001", "贵宾", "2024/3/5", "1", "3", "100", "2030-01-01"],   # 2: fine
            ["甲", "12345", "", "", "", "", "", ""],                        # 3: not a phone
            ["乙", "13800000003", "", "2024-02-30", "", "", "", ""],        # 4: not a real day
            ["丙", "13800000004", "金卡", "", "", "", "", ""],              # 5: not an option
            ["", "13800000005", "", "", "", "", "", ""],                    # 6: required
            ["名字实在是太长了超过十个字", "13800000006", "", "", "", "", "", ""],   # 7: too long
            ["丁", "13800000007", "", "", "", "abc", "", ""],               # 8: not a number
            ["戊", "13800000008", "", "", "", "-1", "", ""],                # 9: below min
            ["己", "13800000001", "", "", "", "", "", ""],                  # 10: same phone as row 2
            ["庚", "13900000000", "", "", "", "", "", ""],                  # 11: phone already in the database
            ["辛", "13800000011", "", "", "999", "", "", ""],               # 12: no such store
            ["壬", "13800000012", "", "", "", "", "-5", ""],                # 13: an overdraft
            ["癸", "13800000013", "", "", "", "", "x", "2030-13-01"],       # 14: two bad cells
            ["子", "13800000015", "", "", "南门店", "", "", ""]]            # 15: no store called so
    before = (members(club), entries(club))
    job, out = do_import(club, write_csv(tmp_path / "m.csv", rows), dry=True)
    assert (out.processed, out.failed) == (14, 13)
    got = {(e.row, e.column): (e.value, e.reason.en) for e in out.errors}
    expect = {
        (3, "手机号"): ("12345", "is not a valid phone number"),
        (4, "生日"): ("2024-02-30", "must be a date"),
        (5, "等级"): ("金卡", "is not one of the options"),
        (6, "姓名"): ("", "is required"),
        (7, "姓名"): ("名字实在是太长了超过十个字", "must be at most 10 characters"),
        (8, "到店次数"): ("abc", "must be a whole number"),
        (9, "到店次数"): ("-1", "must be at least 0"),
        (10, "手机号"): ("13800000001", "is already used by row 2 of the file"),
        (11, "手机号"): ("13900000000", "is already used by another record"),
        (12, "门店"): ("999", "no record 999"),
        (13, ""): ("", "insufficient"),
        (14, "积分"): ("x", "must be a whole number"),
        (14, "积分有效期"): ("2030-13-01", "must be a date"),
        (15, "门店"): ("南门店", "no record in 'stores' is called '南门店'"),
    }
    assert set(got) == set(expect)
    for key, (value, reason) in expect.items():
        assert got[key][0] == value and reason in got[key][1], (key, got[key])
    assert (members(club), entries(club)) == before          # nothing written
    assert Jobs(club.form).get(job)["status"] == "checked"
    assert len(Jobs(club.form).failures(job, dry=True)) == 14


def test_insert_with_opening_balances_and_expiry(club, tmp_path):
    rows = [HEAD, ["张三", "13800000001", "", "", "", "", "120", "2030-06-30"],
            ["李四", "13800000002", "", "", "", "", "", ""]]
    job, out = do_import(club, write_csv(tmp_path / "m.csv", rows))
    assert (out.inserted, out.failed) == (2, 0)
    zhang = members(club)[1]
    assert zhang["points"] == 120
    (entry,) = entries(club)
    assert (entry["member"], entry["change"], entry["reason"], str(entry["expires_on"]), entry["ledger_key"]) == \
        (zhang["id"], 120, "adjustment", "2030-06-30", f"import-{job}-2")


def test_modes_update_and_upsert_by_a_unique_field(club, tmp_path):
    do_import(club, write_csv(tmp_path / "a.csv", [["姓名", "手机号"], ["甲", "13800000001"]]))
    path = write_csv(tmp_path / "b.csv", [["姓名", "手机号", "等级"], ["甲改", "138 0000 0001", "vip"],
                                          ["新人", "13800000009", ""]])
    _job, out = do_import(club, path, mode="update", key="phone")
    assert (out.updated, out.inserted, out.failed) == (1, 0, 1)
    assert out.errors[0].row == 3 and out.errors[0].reason.en == "no record has this phone"
    _job, out = do_import(club, path, mode="upsert", key="phone")
    assert (out.updated, out.inserted) == (1, 1)      # a matched row counts as updated, changed or not
    assert [(m["name"], m["tier"]) for m in members(club)] == [("老会员", "normal"), ("甲改", "vip"), ("新人", "normal")]
    by_id = write_csv(tmp_path / "c.csv", [["ID", "到店次数"], [members(club)[2]["id"], "7"]])
    _job, out = do_import(club, by_id, mode="update", key="id")
    assert out.updated == 1 and members(club)[2]["visits"] == 7


def test_a_key_must_be_unique_and_filled(club, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["姓名"], ["甲"]])
    with pytest.raises(BadMapping, match="needs a key"):
        do_import(club, path, mode="upsert")
    with pytest.raises(BadMapping, match="not a unique field"):
        do_import(club, path, mode="upsert", key="name")
    with pytest.raises(BadMapping, match="no column fills"):
        do_import(club, path, mode="update", key="phone")


@pytest.mark.parametrize("rules", [True, False])
def test_rules_fire_only_when_chosen_and_the_audit_log_sees_every_row(club, tmp_path, rules):
    path = write_csv(tmp_path / "m.csv", [["姓名"], ["甲"], ["乙"]])
    do_import(club, path, rules=rules)
    assert [m["greeted"] for m in members(club)[1:]] == [rules, rules]
    audit = club.form.sql["members"].metadata.tables["tessera_audit"]
    with club.form.engine.connect() as conn:
        found = conn.execute(sa.select(audit.c.action).where(audit.c.tbl == "members", audit.c.source == "import")
                             .order_by(audit.c.id)).scalars().all()
    # rules on: the record service, an entry per record; off: the bulk path,
    # one entry for the chunk
    assert found == (["create", "create"] if rules else ["import"])


def test_permissions_of_the_importer(club, tmp_path):
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号", "备注"], ["甲", "13800000001", "秘密"]])
    viewer = Access(club.form, roles={"viewer"}, user_id=5)
    with pytest.raises(Forbidden):
        service.prepare(club, "members", path, "m.csv", access=viewer)
    clerk = Access(club.form, roles={"clerk"}, user_id=6)
    job = service.prepare(club, "members", path, "m.csv", access=clerk, actor=6, mode="upsert", key="phone")
    with pytest.raises(Forbidden):                       # no `update` on members
        service.run(club, job, access=clerk, actor=6)
    job = service.prepare(club, "members", path, "m.csv", access=clerk, actor=6)
    assert Jobs(club.form).get(job)["options"]["mapping"]["2"] is None     # hidden from the clerk: not offered
    out = service.run(club, job, access=clerk, actor=6)
    assert out.inserted == 1 and members(club)[-1]["secret"] is None and members(club)[-1]["created_by"] == 6


def test_failed_rows_file_has_the_columns_and_an_error_column(club, tmp_path):
    rows = [["姓名", "手机号"], ["甲", "12345"], ["乙", "13800000002"], ["", "bad"]]
    job, out = do_import(club, write_csv(tmp_path / "m.csv", rows))
    assert (out.inserted, out.failed) == (1, 2)
    text = "".join(Jobs(club.form).failed_rows_csv(job, ["姓名", "手机号"], "en"))
    assert text.startswith("\ufeff")
    got = list(csv.reader(io.StringIO(text[1:])))
    assert got[0] == ["姓名", "手机号", "Error"]
    assert got[1][:2] == ["甲", "12345"] and got[1][2].startswith("手机号: is not a valid phone number")
    assert got[2][:2] == ["", "bad"] and "姓名: is required" in got[2][2] or "手机号" in got[2][2]
    # fixed and imported again
    fixed = write_csv(tmp_path / "fixed.csv", [["姓名", "手机号"], ["甲", "13800000001"], ["丙", "13800000003"]])
    _job, out = do_import(club, fixed)
    assert (out.inserted, out.failed) == (2, 0)


def test_a_stopped_job_resumes_after_its_last_committed_row(club, tmp_path):
    rows = [HEAD] + [[f"会员{i}", f"138{i:08d}", "", "", "", "", "10", ""] for i in range(1, 11)]
    path = write_csv(tmp_path / "m.csv", rows)
    job = service.prepare(club, "members", path, "m.csv", chunk=3)

    class Crash(Exception):
        pass

    def crash_after_two_chunks(out):
        if out.processed >= 6:
            raise Crash
    with pytest.raises(Crash):
        service.run(club, job, progress=crash_after_two_chunks)
    state = Jobs(club.form).get(job)
    assert (state["status"], state["last_row"], state["inserted"]) == ("failed", 7, 6)
    out = service.run(club, job)                      # the resume
    state = Jobs(club.form).get(job)
    assert (state["status"], state["inserted"], state["failed"]) == ("done", 10, 0)
    names = [m["name"] for m in members(club)[1:]]
    assert sorted(names) == sorted(f"会员{i}" for i in range(1, 11))
    assert len(entries(club)) == 10 and all(m["points"] == 10 for m in members(club)[1:])
    assert out.processed == 4


def test_dry_run_reports_the_update_and_permission_kinds_too(make_platform, tmp_path):
    """Beyond the cells: a row whose record is not found or whose key is empty (update), a field the
    person may not set, a record outside the rows they may create; the dry run names them all."""
    club = make_platform(CLUB.replace("clerk: {read: true, create: true, hidden: [secret]}",
                                      "clerk: {read: true, create: \"record.tier == 'normal'\", update: true, "
                                      "hidden: [secret], readonly: [visits]}")).apps["club"]
    club.records.create("members", {"name": "老会员", "phone": "13900000000"}, source="test")
    clerk = Access(club.form, roles={"clerk"}, user_id=6)
    path = write_csv(tmp_path / "m.csv", [["姓名", "手机号", "到店次数", "等级"],
                                          ["老会员", "13900000000", "", "普通"],      # 2: fine (updated)
                                          ["甲", "13800000001", "", ""],              # 3: no such phone
                                          ["乙", "", "", ""],                          # 4: empty key
                                          ["丙", "13900000000", "3", ""]])             # 5: visits is readonly
    job = service.prepare(club, "members", path, "m.csv", mode="update", key="phone", access=clerk, actor=6)
    out = service.check(club, job, access=clerk, actor=6)
    got = {(e.row, e.column): e.reason.en for e in out.errors}
    assert got == {(3, "手机号"): "no record has this phone",
                   (4, "手机号"): "is empty: it finds the record to update",
                   (5, "到店次数"): "you may not set this field"}
    assert (out.processed, out.failed) == (4, 3)
    inserts = write_csv(tmp_path / "n.csv", [["姓名", "等级"], ["丁", "普通"], ["戊", "贵宾"]])
    job = service.prepare(club, "members", inserts, "n.csv", access=clerk, actor=6)
    out = service.check(club, job, access=clerk, actor=6)
    assert [(e.row, e.reason.en) for e in out.errors] == [(3, "you may not add records to 'Members'")]
    assert [m["name"] for m in members(club)] == ["老会员"]     # a dry run writes nothing
