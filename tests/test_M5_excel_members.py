"""M5: a shop moving to the system brings its members in Excel: the owner downloads the template, fills
it in, uploads it on the members list, sees the bad row in the dry run, imports the rest (their
initial points open their ledger) and exports the list back to Excel."""
from __future__ import annotations

import io
import re

import openpyxl

from tests.conftest import csrf_from
from tests.test_card_rules import APP, client_for, shop  # noqa: F401 - the fixture
from tests.test_import_pages import _wait


def test_M5_members_come_in_from_the_template_and_go_out_to_excel(shop):
    platform, inst, app, store, lily = shop
    boss, _ = client_for(app, "boss")
    template = boss.get(f"/{APP}/members/import/template.xlsx")
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.data))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    plain = [str(h).rstrip("*") for h in headers]               # a required field's header ends with *
    assert {"会员姓名", "手机号", "初始积分", "生日"} <= set(plain) and "手机号*" in headers
    sheet.delete_rows(2, sheet.max_row)                        # the example row goes
    def row(**by_label):
        return [by_label.get(h) for h in plain]
    sheet.append(row(会员姓名="赵敏", 手机号="138 0013 8001", 初始积分=500, 生日="1990年3月5日"))
    sheet.append(row(会员姓名="钱磊", 手机号="12345", 初始积分=100))
    sheet.append(row(会员姓名="孙丽", 手机号="13800138003", 生日="1988/11/2"))
    upload = io.BytesIO()
    book.save(upload)
    page = boss.get(f"/{APP}/members/import")
    resp = boss.post(f"/{APP}/members/import", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "mode": "insert", "rules": "1",
        "file": (io.BytesIO(upload.getvalue()), "members.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    job_url = resp.headers["Location"]
    form = boss.get(job_url).get_data(as_text=True)
    choices = {"csrf_token": csrf_from(form), "mode": "insert", "rules": "1", **selected(form)}
    assert choices["col0"] == "name" and choices["col1"] == "phone"     # the template's headers matched
    assert boss.post(job_url + "/check", data=choices).status_code == 303
    checked = _wait(boss, job_url, ("checked", "failed"))
    assert (checked["processed"], checked["failed"]) == (3, 1)
    report = boss.get(job_url).get_data(as_text=True)
    assert "12345" in report and "不是有效的电话号码" in report             # row 3, its column, value and reason
    assert boss.post(job_url + "/run", data=choices).status_code == 303
    done = _wait(boss, job_url, ("done", "failed"))
    assert (done["status"], done["inserted"], done["failed"]) == ("done", 2, 1)
    t = inst.form.sql["members"]
    with inst.form.engine.connect() as conn:
        rows = conn.execute(t.select().where(t.c.name.in_(["赵敏", "孙丽"])).order_by(t.c.id)).mappings().all()
    assert [(r["phone"], str(r["birthday"]), r["points"]) for r in rows] == [
        ("+8613800138001", "1990-03-05", 500), ("+8613800138003", "1988-11-02", 0)]
    exported = boss.get(f"/{APP}/members/export.xlsx")
    assert exported.status_code == 200
    out = openpyxl.load_workbook(io.BytesIO(exported.data), read_only=True).active
    names = [r[headers_index(out, "会员姓名")] for r in out.iter_rows(min_row=2, values_only=True)]
    assert {"赵敏", "孙丽", "李丽"} <= set(names) and "钱磊" not in names


def selected(form: str) -> dict:
    """What a browser sends of the mapping step's drop-downs: each column's preselected field."""
    out = {}
    for name, body in re.findall(r'<select[^>]*name="(col\d+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', body)
        out[name] = chosen.group(1) if chosen else ""
    return out


def headers_index(sheet, label):
    first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    return list(first).index(label)
