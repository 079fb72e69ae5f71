"""P5: a business user changes a rule in a running server's definition (the earn rate of L2) and the
next order earns at the new rate within seconds, with no restart. A real `tessera run` process, the
definition file edited on disk, orders sent through the JSON API with an operator's token."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_server_e2e import free_port

ROOT = Path(__file__).resolve().parent.parent
TESSERA = str(Path(sys.executable).parent / "tessera")
OLD_RATE = "{'normal': 1, 'vip': 1.2, 'vvip': 1.5}"
NEW_RATE = "{'normal': 2, 'vip': 2.4, 'vvip': 3}"


def call(base, method, path, token, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def live(tmp_path, db_url):
    apps = tmp_path / "apps"
    shutil.copytree(ROOT / "apps", apps)
    definition = apps / "loyalty.yaml"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TESSERA_RELOAD_INTERVAL": "0.5"}
    made = subprocess.run([TESSERA, "token", "create", "pos", "--app", "loyalty", "--role", "operator", "--db", db_url,
                           "-f", str(definition)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([TESSERA, "run", str(definition), "--db", db_url, "--port", str(port),
                             "--media", str(tmp_path / "media")], stdout=log, stderr=subprocess.STDOUT,
                            cwd=tmp_path, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/api/loyalty/openapi.json", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("server exited: " + (tmp_path / "server.log").read_text())
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start within 60 s")
    yield base, token, definition
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def earned(base, token, member_id, order_no, amount="100.00") -> int:
    """Send an order, complete it, and say how many points it earned the member."""
    before = call(base, "GET", f"/api/loyalty/members/{member_id}", token)[1]["points"]
    status, order = call(base, "POST", "/api/loyalty/orders", token,
                         {"order_no": order_no, "member": member_id, "amount": amount, "status": "paid"})
    assert status == 201, order
    status, done = call(base, "PATCH", f"/api/loyalty/orders/{order['id']}", token, {"status": "completed"})
    assert status == 200, done
    return call(base, "GET", f"/api/loyalty/members/{member_id}", token)[1]["points"] - before


def test_P5_a_changed_earn_rate_applies_to_the_next_order_within_seconds(live):
    base, token, definition = live
    status, member = call(base, "POST", "/api/loyalty/members", token, {"name": "王芳", "phone": "13911112222"})
    assert status == 201, member
    assert earned(base, token, member["id"], "P5-1") == 100                # 1 point a yuan for a normal member
    text = definition.read_text(encoding="utf-8")
    assert OLD_RATE in text
    definition.write_text(text.replace(OLD_RATE, NEW_RATE), encoding="utf-8")   # the business user's edit
    changed_at = time.monotonic()
    n, got = 1, None
    while time.monotonic() - changed_at < 20:
        n += 1
        got = earned(base, token, member["id"], f"P5-{n}")
        if got != 100:
            break
        time.sleep(0.2)
    took = time.monotonic() - changed_at
    assert got == 200, f"the new rate was not applied within {took:.1f} s"
    assert took < 20
    assert earned(base, token, member["id"], f"P5-{n + 1}") == 200           # and it stays
