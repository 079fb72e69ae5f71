"""The crash case for real: `tessera import` is killed (SIGKILL) half-way, then resumed; every row
is there once, and every opening balance was posted once. Through the record service and through the
bulk path (`--no-rules`, bulk.py: reserved ids, a chunk's openings written by the ledger at once), which needs more
rows to be caught half-way."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import sqlalchemy as sa

import pytest

from tests.import_fixture import CLUB, write_csv


@pytest.mark.parametrize("ROWS, extra", [(5000, []), (60000, ["--no-rules"])])
def test_killed_import_resumes_without_duplicates_or_gaps(make_platform, db_url, tmp_path, ROWS, extra):
    definition = tmp_path / "club.yaml"
    definition.write_text(CLUB, encoding="utf-8")
    platform = make_platform(str(definition))
    rows = [["姓名", "手机号", "积分"]] + [[f"会员{i}", f"138{i:08d}", "5" if i % 10 == 0 else ""]
                                       for i in range(1, ROWS + 1)]
    path = write_csv(tmp_path / "members.csv", rows, "gbk")
    tessera = os.path.join(os.path.dirname(sys.executable), "tessera")
    cmd = [tessera, "import", "club", "members", path, "--db", db_url, "-d", str(definition), "--chunk", "200", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    jobs = platform.metadata.tables["tessera_import_jobs"]
    deadline = time.monotonic() + 120
    last = 0
    while time.monotonic() < deadline:
        with platform.engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(jobs.c.last_row))).scalar() or 0
        if last > 1000:
            break
        assert proc.poll() is None, proc.stdout.read().decode()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert last > 1000, "the import did not get going"
    members = platform.apps["club"].form.sql["members"]
    ledger = platform.apps["club"].form.sql["points_ledger"]
    with platform.engine.connect() as conn:
        job = conn.execute(sa.select(jobs)).mappings().one()
        done = conn.execute(sa.select(sa.func.count()).select_from(members)).scalar()
    assert job["status"] == "running" and job["last_row"] < ROWS + 1     # really stopped half-way
    assert done == job["last_row"] - 1 == job["inserted"]                # what committed is what it says

    out = subprocess.run(cmd + ["--resume", str(job["id"])], capture_output=True, text=True, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"job {job['id']} done: {ROWS} inserted, 0 updated, 0 failed" in out.stdout
    with platform.engine.connect() as conn:
        count, phones = conn.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(members.c.phone)))).one()
        names = set(conn.execute(sa.select(members.c.name)).scalars())
        posted, keys = conn.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(ledger.c.ledger_key)))).one()
        points = conn.execute(sa.select(sa.func.sum(members.c.points))).scalar()
    assert count == phones == ROWS and names == {f"会员{i}" for i in range(1, ROWS + 1)}
    assert posted == keys == ROWS // 10 and points == 5 * (ROWS // 10)
