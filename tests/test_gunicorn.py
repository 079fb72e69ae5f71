"""A production run: gunicorn with two worker processes on one database, writing at the same time."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from runtime.auth.tokens import create_token
from tests.conftest import SHOP


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gunicorn_workers_serve_concurrent_writes(tmp_path, make_platform, db_url):
    app_file = tmp_path / "shop.yaml"
    app_file.write_text(SHOP, encoding="utf-8")
    platform = make_platform(str(app_file))
    token = create_token(platform, "pos", "shop", "clerk")
    port = free_port()
    env = {**os.environ, "TESSERA_APPS": str(app_file), "TESSERA_DATABASE_URL": db_url,
           "TESSERA_MEDIA_DIR": str(tmp_path / "media"), "TESSERA_BIND": f"127.0.0.1:{port}",
           "TESSERA_WORKERS": "2", "TESSERA_THREADS": "4"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = open(tmp_path / "gunicorn.log", "w+")
    proc = subprocess.Popen([str(gunicorn), "-c", "python:runtime.gunicorn_conf", "runtime.wsgi:app"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, proc, tmp_path)

        def post(i):
            req = urllib.request.Request(base + "/api/shop/members", method="POST",
                                         data=json.dumps({"name": f"会员{i}", "points": i}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(post, range(60)))
        assert statuses == [201] * 60
        with platform.engine.connect() as conn:
            sql = platform.apps["shop"].form.sql["members"]
            assert conn.execute(sa.select(sa.func.count()).select_from(sql)).scalar_one() == 60
        log.flush()
        assert (tmp_path / "gunicorn.log").read_text().count("Booting worker") >= 2
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait(base, proc, tmp_path):
    deadline = time.time() + 40
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/api/shop/openapi.json", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc.poll() is not None:
                raise AssertionError("gunicorn exited: " + (tmp_path / "gunicorn.log").read_text())
            time.sleep(0.3)
    raise AssertionError("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
