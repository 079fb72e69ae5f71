"""The real server process, started as a user would (`tessera run`), used over HTTP."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PG_URL, SHOP


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, db_url):
    app = tmp_path / "shop.yaml"
    app.write_text(SHOP, encoding="utf-8")
    port = free_port()
    tessera = Path(sys.executable).parent / "tessera"
    proc = subprocess.Popen([str(tessera), "run", str(app), "--db", db_url, "--port", str(port),
                             "--media", str(tmp_path / "media")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
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
                pytest.fail("server exited: " + proc.stdout.read())
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start within 30 s")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw and r.headers.get_content_type() == "application/json" else raw)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_server_serves_api_and_pages(server):
    status, member = call("POST", server + "/api/shop/members", {"name": "李四", "phone": "13900139000"})
    assert status == 201 and member["phone"] == "+8613900139000"
    status, order = call("POST", server + "/api/shop/orders", {"order_no": "E1", "member": member["id"], "amount": "9.90"})
    assert status == 201 and order["amount"] == "9.90"
    status, err = call("POST", server + "/api/shop/orders", {"order_no": "E1", "member": member["id"]})
    assert status == 409 and "order_no" in err["error"]["fields"]
    status, page = call("GET", server + "/api/shop/orders?member=%d" % member["id"])
    assert status == 200 and page["total"] == 1
    with urllib.request.urlopen(server + f"/shop/members/{member['id']}", timeout=10) as r:
        html = r.read().decode()
    assert "李四" in html and "E1" in html  # the detail page lists the member's orders
