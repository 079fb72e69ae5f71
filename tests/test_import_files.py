"""Reading import files (CSV in UTF-8, UTF-8 with BOM, GBK; XLSX), cells parsed by their field types,
and the downloadable template."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from engines.common.labels import Label
from engines.form.fields import FieldError, field_types
from engines.form.model import Field, Option
from engines.form.transfer.columns import BadMapping, match_headers, parse_map_options, targets
from engines.form.transfer.sources import BadFile, detect_encoding, open_sheet
from tests.import_fixture import CLUB, members, do_import, write_csv, write_xlsx

ROWS = [["姓名", "手机号", "等级"], ["张三", "13800000001", "贵宾"], ["李四", "13800000002", "normal"]]


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"),
                                               ("gbk", "gb18030")])
def test_csv_encodings_are_detected(tmp_path, encoding, expected):
    path = write_csv(tmp_path / "m.csv", ROWS, encoding)
    assert detect_encoding(path) == expected
    sheet = open_sheet(path)
    assert sheet.headers == ["姓名", "手机号", "等级"]      # no BOM left on the first header
    assert list(sheet.rows()) == [(2, ROWS[1]), (3, ROWS[2])]


def test_gbk_after_a_long_ascii_start_is_still_gbk(tmp_path):
    rows = [["name", "note"]] + [[f"n{i}", "x" * 100] for i in range(12000)] + [["王五", "备注"]]
    path = write_csv(tmp_path / "m.csv", rows, "gbk")
    assert detect_encoding(path) == "gb18030"
    assert list(open_sheet(path).rows())[-1][1] == ["王五", "备注"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_gbk_and_bom_files_import_the_same(make_platform, tmp_path, encoding):
    inst = make_platform(CLUB).apps["club"]
    _job, out = do_import(inst, write_csv(tmp_path / "m.csv", ROWS, encoding))
    assert (out.inserted, out.failed) == (2, 0)
    assert [(m["name"], m["phone"], m["tier"]) for m in members(inst)] == [
        ("张三", "+8613800000001", "vip"), ("李四", "+8613800000002", "normal")]


def test_semicolon_csv_and_blank_rows(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name;phone\n\nA;1\n;\nB;2\n", encoding="utf-8")
    sheet = open_sheet(str(path))
    assert sheet.headers == ["name", "phone"]
    assert list(sheet.rows()) == [(3, ["A", "1"]), (5, ["B", "2"])]   # row numbers as Excel shows them


def test_xlsx_cells_keep_their_types(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [["姓名", "生日", "到店次数", "余额"],
                                           ["张三", dt.datetime(2024, 3, 5), 3, 1.5]])
    sheet = open_sheet(path)
    assert sheet.format == "xlsx" and sheet.headers == ["姓名", "生日", "到店次数", "余额"]
    # calamine reads a date-formatted cell at midnight as a date, and a whole number as an int again
    assert list(sheet.rows()) == [(2, ["张三", dt.date(2024, 3, 5), 3, 1.5])]
    assert sheet.count() == 1


@pytest.mark.parametrize("content,name", [(b"", "empty.csv"), (b"not a zip", "bad.xlsx"), (b"x", "m.txt")])
def test_unreadable_files_are_refused_clearly(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadFile) as caught:
        open_sheet(str(path))
    assert caught.value.status == 400 and caught.value.message.zh


def _field(type_, **kw):
    return Field(name="f", type=type_, label=Label.of("f"), **kw)


@pytest.mark.parametrize("cell", ["2024-03-05", "2024/3/5", "2024年3月5日", 45356, 45356.0, "45356", "20240305",
                                  dt.datetime(2024, 3, 5)])
def test_date_cells(cell):
    assert field_types()["date"].parse_cell(_field("date"), cell) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("cell", ["2024-13-05", "20241399", "yesterday"])
def test_bad_date_cells(cell):
    with pytest.raises(FieldError):
        field_types()["date"].parse_cell(_field("date"), cell)


@pytest.mark.parametrize("cell", ["13800138000", "138 0013 8000", "+86 138-0013-8000", 13800138000.0])
def test_phone_cells_are_normalised(cell):
    assert field_types()["phone"].parse_cell(_field("phone"), cell) == "+8613800138000"


def test_select_cells_by_key_or_label_in_either_language():
    f = _field("select", options=(Option("vip", Label(zh="贵宾", en="VIP")),))
    ft = field_types()["select"]
    assert {ft.parse_cell(f, c) for c in ("vip", "贵宾", "VIP", " vip ")} == {"vip"}


def test_text_cells_keep_spreadsheet_numbers_whole():
    assert field_types()["text"].parse_cell(_field("text"), 1001.0) == "1001"


def test_headers_match_by_label_or_name_and_map_the_rest(make_platform):
    inst = make_platform(CLUB).apps["club"]
    available = targets(inst.form, "members", None)
    mapping = match_headers(["Name", "手机号*", "tier", "积分", "积分有效期", "外号"], available)
    assert mapping == {0: "name", 1: "phone", 2: "tier", 3: "points", 4: "points.expires", 5: None}
    assert match_headers(["外号", "x"], available, parse_map_options(["外号=name", "B="])) == {0: "name", 1: None}
    with pytest.raises(BadMapping, match="both fill"):
        match_headers(["姓名", "Name"], available)
    with pytest.raises(BadMapping, match="no field 'nope'"):
        match_headers(["x"], available, {"x": "nope"})


def test_template_has_labels_an_example_and_drop_downs(make_platform, tmp_path):
    from openpyxl import load_workbook

    from engines.form.transfer.template import template_workbook

    inst = make_platform(CLUB).apps["club"]
    wb = load_workbook(io.BytesIO(template_workbook(inst.form, "members", "zh")))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["姓名*", "手机号", "等级"] and "积分" in headers and "积分有效期" in headers
    assert [c.value for c in ws[2]][:3] == ["示例", "13800138000", "普通"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and "C2" in str(dv.sqref)
    options = wb["options"]
    assert options.sheet_state == "hidden" and [options.cell(r, 1).value for r in (1, 2)] == ["普通", "贵宾"]
    en = load_workbook(io.BytesIO(template_workbook(inst.form, "members", "en"))).worksheets[0]
    assert [c.value for c in en[1]][:3] == ["Name*", "Phone", "Tier"]
    # the template as it comes imports its example row
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook(inst.form, "members", "zh"))
    _job, out = do_import(inst, str(path))
    assert (out.inserted, out.failed) == (1, 0)
    (m,) = members(inst)
    assert (m["name"], m["phone"], m["tier"], m["points"]) == ("示例", "+8613800138000", "normal", 100)


@pytest.mark.parametrize("text", [
    "h1,h2\n a ,b\n,,\n \t, \n\u3000,\u3000\n\u3000x,\nlast,row",     # blank rows of spaces and commas
    "h1,h2\r\n1,2\r\n\r\n3,4\r\n",                                      # Windows line ends
    'h1,h2\n"two\nlines",2\n,\n',                                       # a quoted cell over two lines
    "h1;h2\n1;2\n;;\n",                                                 # semicolons
    "h\r1\r2\r",                                                        # old Mac line ends
])
def test_the_row_count_is_the_rows_an_import_reads(tmp_path, text):
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8", newline="")
    sheet = open_sheet(str(path))
    assert sheet.count() == len(list(sheet.rows()))


def test_a_chunk_read_by_columns_is_what_reading_each_row_gives(make_platform):
    """The bulk path's `read_columns` against `read`, row by row: values, openings and every bad cell
    with its row, column, value and reason, on text cells (CSV) and typed cells (XLSX)."""
    from engines.form.transfer.cells import RowReader

    form = make_platform(CLUB).apps["club"].form
    headers = ["姓名", "手机号", "等级", "生日", "到店次数", "积分", "积分有效期", "门店"]
    available = targets(form, "members")
    mapping = match_headers(headers, available)
    rows = [["甲", "13800000001", "贵宾", "2024/3/5", "3", "100", "2030-01-01", "1"],
            ["  ", " 138 0000 0002 ", "normal", "45356", "", "", "", "总店"],
            ["'=1+1", "12345", "金卡", "2024-02-30", "-x", "abc", "", ""],
            ["'-5", "", "", "", "", "", "", ""],
            ["乙"],                                                        # a short row
            ["丙", "13800000003", "普通", "", "7", "", "", "", "extra"],   # a longer one
            ["丁", 13800000004, "vip", dt.date(2024, 3, 5), 4, 5.0, dt.datetime(2031, 1, 1), 2],
            ["戊", 13800000005.0, 1, 45356, True, "", None, None]]
    reader = RowReader(form, available, headers, mapping)
    numbers = list(range(2, 2 + len(rows)))
    by_row = [reader.read(n, cells) for n, cells in zip(numbers, rows)]
    columns, failed = reader.read_columns(numbers, rows)
    for k, row in enumerate(by_row):
        values, opening = {}, {}
        for tg, col in columns:
            if col[k] is None:
                continue
            if tg.kind == "field":
                values[tg.name] = col[k]
            else:
                opening.setdefault(tg.ledger, [None, None])[tg.kind == "expires"] = col[k]
        assert values == row.values and opening == row.opening, rows[k]
        assert failed.get(k, []) == row.errors, rows[k]
    assert any(failed.values()) and set(failed) == {k for k, r in enumerate(by_row) if r.errors}
