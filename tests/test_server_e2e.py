"""The real server process, started as a user would (`tessera run`), used over HTTP: the first run
creates an administrator and prints the password, the real CLI creates an API token for the same
database, the API is used with it, and a browser-like client signs in to view a page."""
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SHOP

TESSERA = str(Path(sys.executable).parent / "tessera")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, db_url):
    app = tmp_path / "shop.yaml"
    app.write_text(SHOP, encoding="utf-8")
    port = free_port()
    log_path = tmp_path / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([TESSERA, "run", str(app), "--db", db_url, "--port", str(port),
                             "--media", str(tmp_path / "media")],
                            stdout=log, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/api/shop/openapi.json", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            if proc.poll() is not None:
                pytest.fail("server exited: " + log_path.read_text())
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start within 30 s")
    yield {"base": base, "db": db_url, "app": str(app), "log": log_path.read_text(), "cwd": tmp_path}
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def call(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw and r.headers.get_content_type() == "application/json" else raw)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_server_serves_api_and_pages(server):
    base = server["base"]
    # first run: an administrator was created and its password printed once
    found = re.search(r"username: (\S+)\s+password: (\S+)", server["log"])
    assert found and f"{base}/login" in server["log"] and "tessera users passwd admin" in server["log"], server["log"]
    admin, password = found.groups()

    # the API refuses anonymous calls; a token made by the real CLI for the same database works
    assert call("GET", base + "/api/shop/members")[0] == 401
    made = subprocess.run([TESSERA, "token", "create", "e2e", "--app", "shop", "--role", "clerk",
                           "-f", server["app"], "--db", server["db"]],
                          capture_output=True, text=True, cwd=server["cwd"], timeout=60)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    status, member = call("POST", base + "/api/shop/members", {"name": "李四", "phone": "13900139000"}, token)
    assert status == 201 and member["phone"] == "+8613900139000"
    status, order = call("POST", base + "/api/shop/orders", {"order_no": "E1", "member": member["id"], "amount": "9.90"},
                         token)
    assert status == 201 and order["amount"] == "9.90"
    status, err = call("POST", base + "/api/shop/orders", {"order_no": "E1", "member": member["id"]}, token)
    assert status == 409 and "order_no" in err["error"]["fields"]
    status, page = call("GET", base + "/api/shop/orders?member=%d" % member["id"], token=token)
    assert status == 200 and page["total"] == 1

    # a browser: the detail page sends it to /login; it signs in with the printed password and gets there
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    detail = f"/shop/members/{member['id']}"
    with browser.open(base + detail, timeout=10) as r:
        login_page = r.read().decode()
        assert urllib.parse.urlparse(r.url).path == "/login"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": admin, "password": password, "next": detail})
    with browser.open(base + "/login", data=form.encode(), timeout=10) as r:
        html = r.read().decode()
        assert urllib.parse.urlparse(r.url).path == detail
    assert "李四" in html and "E1" in html  # the detail page lists the member's orders
