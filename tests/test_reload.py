"""Hot reload on a running server: a changed definition file (or one uploaded by an admin) is migrated and
swapped in while requests keep coming, none of them failing; an invalid one is refused and the old one serves."""
import io
import logging
import threading
import time

import pytest
import sqlalchemy as sa

from builder import compile_app
from runtime import lifecycle
from runtime.auth import create_user
from runtime.auth.tokens import create_token
from runtime.platform import Platform
from runtime.webapp import create_app
from tests.conftest import csrf_from, sign_in

SHOP = """
app: shop
version: 1
roles: [clerk]
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
"""
WITH_NOTE = SHOP.replace("version: 1", "version: 2") + "      note: {type: text}\n"
PASSWORD = "correct horse battery"


@pytest.fixture
def served(tmp_path, db_url, monkeypatch):
    """The shop served by create_app (the reloader checks every 0.1 s), an API token and its definition file."""
    monkeypatch.setenv("TESSERA_RELOAD_INTERVAL", "0.1")
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP, encoding="utf-8")
    platform = Platform.from_files([str(path)], db_url, media_dir=str(tmp_path / "media"))
    token = create_token(platform, "pos", "shop", "clerk")
    yield {"app": create_app(platform), "platform": platform, "path": path,
           "auth": {"Authorization": f"Bearer {token}"}}
    platform.dispose()


def wait_for(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_new_field_appears_while_requests_keep_coming(served):
    app, auth = served["app"], served["auth"]
    seed = app.test_client().post("/api/shop/members", json={"name": "种子"}, headers=auth).get_json()
    stop, results, failures = threading.Event(), [], []

    def fire(n):
        client = app.test_client()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = (client.post("/api/shop/members", json={"name": f"会员{n}-{i}"}, headers=auth) if i % 3 == 0
                     else client.get("/api/shop/members?limit=5", headers=auth))
                results.append(r.status_code)
                if r.status_code >= 400:
                    failures.append((r.status_code, r.get_data(as_text=True)[:200]))
            except Exception as exc:    # noqa: BLE001 - any exception is a lost request
                failures.append(repr(exc))

    threads = [threading.Thread(target=fire, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        served["path"].write_text(WITH_NOTE, encoding="utf-8")
        client = app.test_client()
        assert wait_for(lambda: "note" in client.get(f"/api/shop/members/{seed['id']}", headers=auth).get_json()), \
            "the new field did not appear within 10 s"
        time.sleep(0.5)                 # and requests go on against the new version
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert failures == [] and len(results) > 50 and {201, 200} == set(results)
    made = client.post("/api/shop/members", json={"name": "新", "note": "VIP"}, headers=auth).get_json()
    assert made["note"] == "VIP"
    total = client.get("/api/shop/members?limit=1", headers=auth).get_json()["total"]
    assert total == results.count(201) + 2                     # every accepted write is there
    with served["platform"].engine.connect() as conn:
        row = conn.execute(sa.select(served["platform"].system["apps"])).one()
    assert row.version == "2"


def test_an_invalid_or_destructive_definition_is_refused_and_the_old_one_serves(served, caplog):
    app, auth = served["app"], served["auth"]
    client = app.test_client()
    made = client.post("/api/shop/members", json={"name": "张三"}, headers=auth).get_json()
    caplog.set_level(logging.INFO, logger="tessera.reload")
    served["path"].write_text(SHOP + "      level: {type: levle}\n", encoding="utf-8")
    ping = lambda: client.get("/api/shop/members", headers=auth).status_code == 200  # noqa: E731 - a request runs the check
    assert wait_for(lambda: ping() and "unknown field type 'levle'" in caplog.text)
    assert "shop.yaml:10:" in caplog.text and "the old one keeps serving" in caplog.text
    assert client.get(f"/api/shop/members/{made['id']}", headers=auth).status_code == 200

    served["path"].write_text(SHOP.replace("name: {type: text, required: true}", "label: {type: text}")
                              .replace("title_field: name", "title_field: label"), encoding="utf-8")
    assert wait_for(lambda: ping() and "remove field shop__members.name: 1 record(s) hold a value" in caplog.text)
    assert client.get(f"/api/shop/members/{made['id']}", headers=auth).get_json()["name"] == "张三"

    # an upgrade with consent (`tessera upgrade --allow-destructive` from another process) is picked up
    other = Platform(str(served["platform"].engine.url), str(served["path"].parent / "media"))
    lifecycle.upgrade(other, other.add(compile_app(str(served["path"]))), True)
    other.dispose()
    assert wait_for(lambda: "label" in client.get(f"/api/shop/members/{made['id']}", headers=auth).get_json())


def test_an_uninstalled_app_is_no_longer_served(served):
    client = served["app"].test_client()
    assert client.get("/api/shop/members", headers=served["auth"]).status_code == 200
    lifecycle.uninstall(served["platform"], "shop")
    assert wait_for(lambda: client.get("/api/shop/members", headers=served["auth"]).status_code == 404)


def test_admins_upload_a_new_definition(served):
    platform, app = served["platform"], served["app"]
    create_user(platform, "boss", PASSWORD, is_admin=True)
    create_user(platform, "clerk1", PASSWORD)
    clerk = app.test_client()
    sign_in(clerk, "clerk1", PASSWORD)
    assert clerk.get("/_admin/apps").status_code == 403

    admin = app.test_client()
    sign_in(admin, "boss", PASSWORD)
    page = admin.get("/_admin/apps").get_data(as_text=True)
    digest = platform.apps["shop"].app.definition_hash
    assert "/_admin/apps" in page and "/_audit" in page           # both admin links in the header
    assert digest[:12] in page and "shop.yaml" in page

    def upload(text, with_token=True):
        data = {"definition": (io.BytesIO(text.encode()), "shop-v2.yaml")}
        if with_token:
            data["csrf_token"] = csrf_from(admin.get("/_admin/apps").get_data(as_text=True))
        return admin.post("/_admin/apps/shop", data=data, content_type="multipart/form-data")

    assert upload(WITH_NOTE, with_token=False).status_code == 400          # no CSRF token, no change
    refused = upload(SHOP + "      note: {type: txt}\n")
    assert refused.status_code == 422
    assert "shop-v2.yaml:10:" in refused.get_data(as_text=True) and "unknown field type" in refused.get_data(as_text=True)
    assert served["path"].read_text(encoding="utf-8") == SHOP                # the file was left alone

    done = upload(WITH_NOTE)
    assert done.status_code == 200 and "now runs version 2" in done.get_data(as_text=True)
    assert served["path"].read_text(encoding="utf-8") == WITH_NOTE           # written where it is served from
    made = admin.get("/api/shop/members").get_json()
    assert made["total"] == 0 and "note" in platform.apps["shop"].form.tables["members"].fields
    assert [p.name for p in served["path"].parent.iterdir() if p.name.startswith(".upload-")] == []


def test_each_gunicorn_worker_reloads_without_a_failed_request(tmp_path, db_url):
    """Two worker processes: each notices the changed file itself; one migrates, the other finds it done."""
    import json
    import os
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    from pathlib import Path

    from tests.test_gunicorn import _wait, free_port

    path = tmp_path / "shop.yaml"
    path.write_text(SHOP, encoding="utf-8")
    platform = Platform.from_files([str(path)], db_url, media_dir=str(tmp_path / "media"))
    token = create_token(platform, "pos", "shop", "clerk")
    seed = platform.apps["shop"].records.create("members", {"name": "种子"})
    port = free_port()
    env = {**os.environ, "TESSERA_APPS": str(path), "TESSERA_DATABASE_URL": db_url, "TESSERA_RELOAD_INTERVAL": "0.2",
           "TESSERA_MEDIA_DIR": str(tmp_path / "media"), "TESSERA_BIND": f"127.0.0.1:{port}",
           "TESSERA_WORKERS": "2", "TESSERA_THREADS": "4"}
    log = open(tmp_path / "gunicorn.log", "w+")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "python:runtime.gunicorn_conf",
                             "runtime.wsgi:app"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base, stop, failures, results = f"http://127.0.0.1:{port}", threading.Event(), [], []

    def call(method, url, body=None):
        req = urllib.request.Request(base + url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.read()[:200]

    def fire(n):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                status, body = call("POST", "/api/shop/members", {"name": f"会员{n}-{i}"}) if i % 3 == 0 \
                    else call("GET", "/api/shop/members?limit=5")
                results.append(status)
                if status >= 400:
                    failures.append((status, body))
            except Exception as exc:    # noqa: BLE001 - a refused connection is a lost request too
                failures.append(repr(exc))

    def all_workers_new():
        return all("note" in call("GET", f"/api/shop/members/{seed['id']}")[1] for _ in range(20))

    try:
        _wait(base, proc, tmp_path)
        threads = [threading.Thread(target=fire, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        path.write_text(WITH_NOTE, encoding="utf-8")
        assert wait_for(all_workers_new, 15), "not every worker serves the new field within 15 s"
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert failures == [] and {200, 201} == set(results), failures[:5]
        status, made = call("POST", "/api/shop/members", {"name": "新", "note": "VIP"})
        assert status == 201 and made["note"] == "VIP"
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        platform.dispose()
