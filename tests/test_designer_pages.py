"""The designer's pages and endpoints over HTTP (Flask's test client), on both databases: who may use
them, what a save writes and serves, and each refusal (errors at fields, removals to confirm, a file
changed meanwhile, bad requests) leaving the file and the database as they were."""
from __future__ import annotations

import json
import re
import shutil

import pytest
import sqlalchemy as sa

from runtime.auth import create_user
from runtime.designer import checking
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, ROOT, csrf_from, sign_in

SHOP = ROOT / "tests" / "pages_fixture" / "shop.yaml"


@pytest.fixture
def site(make_platform, tmp_path):
    path = tmp_path / "shop.yaml"
    shutil.copy(SHOP, path)
    platform = make_platform(path)
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    app = create_app(platform)
    app.config["TESTING"] = True
    client = app.test_client()
    sign_in(client, "boss", ADMIN_PASSWORD)
    return client, platform, path


def opened(client, url="/_admin/designer/shop"):
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    data = json.loads(re.search(r'id="designer-data">(.*?)</script>', page, re.S).group(1))
    return data, csrf_from(page)


def post(client, url, token, body):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def columns(platform, table):
    return {c["name"] for c in sa.inspect(platform.engine).get_columns(table)}


def test_only_admins_open_the_designer(site):
    client, platform, path = site
    create_user(platform, "clerk", "clerk-password-1")
    other = client.application.test_client()
    assert other.get("/_admin/designer/shop").status_code == 302            # to the sign-in page
    sign_in(other, "clerk", "clerk-password-1")
    for url in ("/_admin/designer", "/_admin/designer/shop", "/_admin/designer/shop/yaml"):
        assert other.get(url).status_code == 403, url
    token = csrf_from(other.get("/_account").get_data(as_text=True))
    before = path.read_text(encoding="utf-8")
    assert post(other, "/_admin/designer/shop/save", token, {"text": "app: shop\n", "started": before}).status_code == 403
    assert path.read_text(encoding="utf-8") == before
    assert client.get("/_admin/designer").status_code == 200


def test_the_page_gives_the_tables_in_the_files_order_and_every_field_type(site):
    client, _, _ = site
    data, _ = opened(client)
    assert list(data["tables"]) == ["members", "orders"]
    assert list(data["tables"]["members"]["fields"])[:3] == ["name", "phone", "tier"]   # not sorted
    types = {t["type"]: t for t in data["types"]}
    assert {"phone", "link", "select", "money"} <= set(types) and types["link"]["required"] == ["table"]
    assert data["digest"] == checking.digest(data["text"])


def test_a_saved_field_is_written_beside_the_comments_and_served_at_once(site):
    client, platform, path = site
    data, token = opened(client)
    tables = data["tables"]
    fields = tables["members"]["fields"]
    tables["members"]["fields"] = {**{k: fields[k] for k in list(fields)[:4]},
                                   "mobile": {"type": "phone", "required": True, "label": {"zh": "手机", "en": "Mobile"}},
                                   **{k: fields[k] for k in list(fields)[4:]}}
    resp = post(client, "/_admin/designer/shop/save", token, {"tables": tables, "started": data["text"]})
    body = resp.get_json()
    assert resp.status_code == 200 and body["saved"], body
    assert any("mobile" in line for line in body["plan"])
    text = path.read_text(encoding="utf-8")
    assert body["digest"] == checking.digest(text) and body["text"] == text
    assert text.startswith("# The small shop the page tests")
    assert "      mobile: {type: phone, required: true, label: {zh: 手机, en: Mobile}}\n" in text
    assert "mobile" in columns(platform, "shop__members")
    form = client.get("/shop/members/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="f-mobile"' in form and "Mobile" in form


def test_errors_come_back_at_their_fields_and_nothing_is_written(site):
    client, platform, path = site
    before = path.read_text(encoding="utf-8")
    data, token = opened(client)
    data["tables"]["members"]["fields"]["points"]["min"] = "lots"
    data["tables"]["orders"]["fields"]["member"]["table"] = "nobody"
    resp = post(client, "/_admin/designer/shop/save", token, {"tables": data["tables"], "started": data["text"]})
    assert resp.status_code == 422
    placed = {(e["table"], e["field"], e["key"]) for e in resp.get_json()["errors"]}
    assert {("members", "points", "min"), ("orders", "member", "table")} <= placed
    assert path.read_text(encoding="utf-8") == before


def test_a_removal_waits_for_confirmation(site):
    client, platform, path = site
    before = path.read_text(encoding="utf-8")
    data, token = opened(client)
    del data["tables"]["members"]["fields"]["avatar"]
    body = {"tables": data["tables"], "started": data["text"]}
    resp = post(client, "/_admin/designer/shop/save", token, body)
    assert resp.status_code == 409 and resp.get_json()["needs_confirm"]
    assert any("avatar" in line for line in resp.get_json()["plan"])
    assert path.read_text(encoding="utf-8") == before and "avatar" in columns(platform, "shop__members")
    resp = post(client, "/_admin/designer/shop/save", token, {**body, "confirm": True})
    assert resp.status_code == 200 and resp.get_json()["saved"]
    assert "avatar:" not in path.read_text(encoding="utf-8")
    assert "avatar" not in columns(platform, "shop__members")


def test_a_save_from_a_stale_page_is_refused_with_the_difference(site):
    client, platform, path = site
    data, token = opened(client)
    theirs = data["text"].replace("max_length: 50", "max_length: 60")
    path.write_text(theirs, encoding="utf-8")                          # another admin, or an editor
    data["tables"]["members"]["fields"]["name"]["required"] = False
    resp = post(client, "/_admin/designer/shop/save", token, {"tables": data["tables"], "started": data["text"]})
    body = resp.get_json()
    assert resp.status_code == 409 and body["conflict"]
    assert "+      name:   {type: text, required: true, max_length: 60" in body["diff"]
    assert path.read_text(encoding="utf-8") == theirs


def test_the_yaml_editor_checks_on_the_fly_and_saves_a_comment(site):
    client, platform, path = site
    data, token = opened(client, "/_admin/designer/shop/yaml")
    broken = data["text"].replace("max_length: 50", "max_length: fifty")
    resp = post(client, "/_admin/designer/shop/check", token, {"text": broken, "started": data["text"], "plan": False})
    [error] = resp.get_json()["errors"]
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if "fifty" in ln)
    assert resp.status_code == 422 and error["line"] == line and error["key"] == "max_length"
    commented = data["text"].replace("tables:\n", "tables:        # the shop's two tables\n")
    resp = post(client, "/_admin/designer/shop/save", token, {"text": commented, "started": data["text"]})
    assert resp.status_code == 200 and resp.get_json()["saved"]
    assert path.read_text(encoding="utf-8") == commented
    assert platform.apps["shop"].app.definition_hash != checking.digest(data["text"])


def test_a_new_table_is_created_and_a_removed_one_confirmed(site):
    client, platform, path = site
    data, token = opened(client)
    data["tables"]["visits"] = {"label": {"zh": "到店", "en": "Visits"},
                                "fields": {"day": {"type": "date", "required": True}}}
    resp = post(client, "/_admin/designer/shop/save", token, {"tables": data["tables"], "started": data["text"]})
    assert resp.status_code == 200, resp.get_json()
    assert "shop__visits" in sa.inspect(platform.engine).get_table_names()
    assert client.get("/shop/visits/new").status_code == 200
    data, token = opened(client)
    del data["tables"]["visits"]
    resp = post(client, "/_admin/designer/shop/save", token, {"tables": data["tables"], "started": data["text"]})
    assert resp.status_code == 409 and resp.get_json()["needs_confirm"]
    assert "visits:" in path.read_text(encoding="utf-8")


def test_bad_requests_get_a_json_error_and_change_nothing(site):
    client, _, path = site
    before = path.read_text(encoding="utf-8")
    _, token = opened(client)
    assert post(client, "/_admin/designer/shop/save", token, {"tables": {}}).status_code == 400
    assert post(client, "/_admin/designer/shop/save", token, ["not", "a", "mapping"]).status_code == 400
    resp = post(client, "/_admin/designer/shop/save", token, {"tables": {"members": {"fields": 3}}, "started": before})
    assert resp.status_code == 400 and "tables" in resp.get_json()["message"]
    assert post(client, "/_admin/designer/nowhere/save", token, {"started": before}).status_code == 404
    no_token = client.post("/_admin/designer/shop/save", json={"text": "x", "started": before})
    assert no_token.status_code == 400 and no_token.get_json()["error"]["code"] == "csrf_failed"
    assert path.read_text(encoding="utf-8") == before


def test_a_file_the_designer_cannot_splice_opens_in_the_yaml_editor(make_platform, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text("app: tiny\ntables: {notes: {fields: {text: {type: text}}}}\n", encoding="utf-8")
    platform = make_platform(path)
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    app = create_app(platform)
    client = app.test_client()
    sign_in(client, "boss", ADMIN_PASSWORD)
    data, _ = opened(client, "/_admin/designer/tiny")
    assert data["cannot_edit"] and "YAML editor" in data["cannot_edit"]
    page = client.get("/_admin/designer/tiny/yaml").get_data(as_text=True)
    assert "tiny.yaml" in page
