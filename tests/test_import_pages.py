"""Import and export from the list pages, through the Flask test client with CSRF: upload, mapping,
dry-run report, the run with its JSON status, the failed rows; 403 for a role without `create`."""
from __future__ import annotations

import csv
import io
import time

import pytest

from runtime.auth import create_user, grant
from runtime.webapp import create_app
from tests.conftest import csrf_from, sign_in
from tests.import_fixture import CLUB, members

PASSWORD = "correct horse battery"


@pytest.fixture
def site(make_platform):
    platform = make_platform(CLUB)
    create_user(platform, "boss", PASSWORD, is_admin=True)
    for user, role in (("cathy", "clerk"), ("vic", "viewer")):
        create_user(platform, user, PASSWORD)
        grant(platform, user, "club", role)
    app = create_app(platform)
    app.config["TESTING"] = True
    return platform.apps["club"], app


def _csv(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("gbk")


def _upload(client, rows, name="members.csv", **form):
    page = client.get("/club/members/import")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "mode": "insert", "rules": "1", **form,
            "file": (io.BytesIO(_csv(rows) if isinstance(rows, list) else rows), name)}
    return client.post("/club/members/import", data=data, content_type="multipart/form-data")


def _wait(client, job_url, until):
    for _ in range(200):
        status = client.get(job_url + "/status").get_json()
        if status["status"] in until:
            return status
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish: {status}")


def test_upload_map_check_and_run(site):
    inst, app = site
    client = app.test_client()
    sign_in(client, "boss", PASSWORD)
    listing = client.get("/club/members/?tier=vip").get_data(as_text=True)
    assert 'href="/club/members/import"' in listing and 'href="/club/members/export.csv?tier=vip"' in listing

    rows = [["姓名", "电话号码", "等级"], ["张三", "13800000001", "贵宾"], ["李四", "12345", ""]]
    resp = _upload(client, rows)
    assert resp.status_code == 303
    job_url = resp.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert 'name="col1"' in page and "电话号码" in page          # an unmatched column waits for a choice
    token = csrf_from(page)
    mapping = {"csrf_token": token, "col0": "name", "col1": "phone", "col2": "tier", "mode": "insert", "rules": "1"}
    assert client.post(job_url + "/check", data=mapping).status_code == 303
    status = _wait(client, job_url, ("checked", "failed"))
    assert (status["status"], status["processed"], status["failed"]) == ("checked", 2, 1)
    report = client.get(job_url).get_data(as_text=True)
    assert "12345" in report and "不是有效的电话号码" in report and members(inst) == []
    assert client.post(job_url + "/run", data=mapping).status_code == 303
    status = _wait(client, job_url, ("done", "failed"))
    assert (status["status"], status["inserted"], status["failed"]) == ("done", 1, 1)
    assert [(m["name"], m["phone"], m["tier"], m["greeted"]) for m in members(inst)] == \
        [("张三", "+8613800000001", "vip", True)]
    failed = client.get(job_url + "/failed.csv")
    assert failed.status_code == 200 and failed.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(failed.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["姓名", "电话号码", "等级", "错误"] and lines[1][:2] == ["李四", "12345"]


def test_bad_files_and_mappings_get_a_clear_page(site):
    _inst, app = site
    client = app.test_client()
    sign_in(client, "boss", PASSWORD)
    resp = _upload(client, b"", name="empty.csv")
    assert resp.status_code == 400 and "文件是空的" in resp.get_data(as_text=True)
    resp = _upload(client, [["姓名"], ["x"]], name="members.txt")
    assert resp.status_code == 400 and ".xlsx" in resp.get_data(as_text=True)
    resp = _upload(client, [["姓名", "Name"], ["x", "y"]])
    assert resp.status_code == 400 and "都对应字段" in resp.get_data(as_text=True)
    resp = _upload(client, [["姓名"], ["x"]], mode="upsert", key="phone")
    job_url = resp.headers["Location"]
    token = csrf_from(client.get(job_url).get_data(as_text=True))
    resp = client.post(job_url + "/run", data={"csrf_token": token, "col0": "name", "mode": "upsert", "key": "phone"})
    assert resp.status_code == 400 and "没有列对应匹配字段" in resp.get_data(as_text=True)
    assert client.post(job_url + "/run", data={"col0": "name"}).status_code == 400     # no CSRF token


def test_roles_without_create_get_403_and_see_no_import_button(site):
    inst, app = site
    boss = app.test_client()
    sign_in(boss, "boss", PASSWORD)
    job_url = _upload(boss, [["姓名"], ["甲"]]).headers["Location"]
    viewer = app.test_client()
    sign_in(viewer, "vic", PASSWORD)
    assert "/club/members/import" not in viewer.get("/club/members/").get_data(as_text=True)
    for url in ("/club/members/import", "/club/members/import/template.xlsx", job_url, job_url + "/status",
                job_url + "/failed.csv"):
        assert viewer.get(url).status_code == 403, url
    assert viewer.get(job_url + "/status").get_json()["error"]["code"] == "forbidden"
    assert viewer.post("/club/members/import", data={}).status_code in (400, 403)
    clerk = app.test_client()
    sign_in(clerk, "cathy", PASSWORD)
    assert clerk.get(job_url).status_code == 404            # another person's job
    assert viewer.get("/club/members/export.csv").status_code == 200     # reading is enough to export


def test_template_download(site):
    from openpyxl import load_workbook

    _inst, app = site
    client = app.test_client()
    sign_in(client, "boss", PASSWORD)
    resp = client.get("/club/members/import/template.xlsx?lang=en")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert [c.value for c in ws[1]][:2] == ["Name*", "Phone"] and ws.data_validations.dataValidation


def test_an_xlsx_with_stores_by_name_from_the_page(site, tmp_path):
    """The list page's import of an Excel file whose store column names the stores (rules off, so through
    the fast path), then its export."""
    from tests.import_fixture import write_xlsx

    inst, app = site
    inst.records.create("stores", {"name": "总店"}, source="test")
    client = app.test_client()
    sign_in(client, "boss", PASSWORD)
    path = write_xlsx(tmp_path / "m.xlsx", [["姓名", "手机号", "门店"], ["张三", 13800000001, "总店"],
                                           ["李四", 13800000002, "分店"]])
    with open(path, "rb") as fh:
        resp = _upload(client, fh.read(), name="members.xlsx", rules="")
    job_url = resp.headers["Location"]
    token = csrf_from(client.get(job_url).get_data(as_text=True))
    mapping = {"csrf_token": token, "col0": "name", "col1": "phone", "col2": "store", "mode": "insert"}
    assert client.post(job_url + "/run", data=mapping).status_code == 303
    status = _wait(client, job_url, ("done", "failed"))
    assert (status["status"], status["total"], status["inserted"], status["failed"]) == ("done", 2, 1, 1)
    assert "no record in" in client.get(job_url + "?lang=en").get_data(as_text=True)
    assert [(m["name"], m["phone"], m["store"]) for m in members(inst)] == [("张三", "+8613800000001", 1)]
    with inst.form.engine.connect() as conn:        # rules off, insert: the page took the fast path
        history = client.application.extensions["tessera.audit"].history(conn, "club", "members", 1)
    assert [e["action"] for e in history] == ["import"]
    exported = client.get("/club/members/export.csv?store=1").get_data(as_text=True)
    assert "张三" in exported and "+8613800000001" in exported
