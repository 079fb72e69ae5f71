"""A link column takes the linked record's id, its title or one of its unique fields; a title no record
has, or that several share, is a row error naming row, column and value (dry run and import alike)."""
from __future__ import annotations

import pytest

from engines.form.access import Access
from engines.form.transfer import service
from tests.import_fixture import CLUB, do_import, entries, members, write_csv


@pytest.fixture
def club(make_platform):
    inst = make_platform(CLUB).apps["club"]
    for name in ("总店", "东门店", "西门店", "西门店"):       # two stores share a title
        inst.records.create("stores", {"name": name}, source="test")
    return inst


ROWS = [["姓名", "门店"], ["甲", "总店"], ["乙", "2"], ["丙", " 东门店 "], ["丁", "南门店"], ["戊", "西门店"]]


@pytest.mark.parametrize("bulk", [False, True])
def test_link_cells_by_id_or_title(club, tmp_path, bulk):
    path = write_csv(tmp_path / "m.csv", ROWS)
    _job, dry = do_import(club, path, dry=True, rules=False, bulk=bulk)
    assert [(e.row, e.column, e.value) for e in dry.errors] == [(5, "门店", "南门店"), (6, "门店", "西门店")]
    assert dry.errors[0].reason.en == "no record in 'stores' is called '南门店'"
    assert dry.errors[0].reason.zh == "stores 中没有叫“南门店”的记录"
    assert dry.errors[1].reason.en == "2 records in 'stores' are called '西门店': give the id"
    assert members(club) == []                           # a dry run writes nothing
    _job, out = do_import(club, path, rules=False, bulk=bulk)
    assert (out.inserted, out.failed) == (3, 2)
    assert [(m["name"], m["store"]) for m in members(club)] == [("甲", 1), ("乙", 2), ("丙", 2)]


def test_a_link_by_the_target_s_unique_field(club, tmp_path):
    """A ledger sheet names its members by phone, written as people write it."""
    club.records.create("members", {"name": "张三", "phone": "13800000001"}, source="test")
    path = write_csv(tmp_path / "e.csv", [["member", "change", "reason"], ["138 0000 0001", "50", "adjustment"],
                                          ["张三", "5", "order"], ["13900000009", "1", "order"]])
    _job, out = do_import(club, path, table="points_ledger")
    assert (out.inserted, out.failed) == (2, 1)
    assert out.errors[0].row == 4 and out.errors[0].value == "13900000009"
    assert [(e["member"], e["change"]) for e in entries(club)] == [(1, 50), (1, 5)]
    assert members(club)[0]["points"] == 55


def test_a_title_outside_what_the_person_may_read_is_not_found(make_platform, tmp_path):
    inst = make_platform(CLUB.replace("  stores:\n    title_field: name\n",
                                      "  stores:\n    title_field: name\n    permissions: {manager: all}\n")).apps["club"]
    inst.records.create("stores", {"name": "总店"}, source="test")
    clerk = Access(inst.form, roles={"clerk"}, user_id=3)
    path = write_csv(tmp_path / "m.csv", [["姓名", "门店"], ["甲", "总店"]])
    job = service.prepare(inst, "members", path, "m.csv", rules=False, access=clerk, actor=3)
    out = service.run(inst, job, access=clerk, actor=3)
    assert out.inserted == 0 and out.errors[0].reason.en == "no record in 'stores' is called '总店'"
