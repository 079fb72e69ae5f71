"""`tessera scheduler`, run as the real console script against the test database."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time

import sqlalchemy as sa

from runtime.scheduler import runs
from runtime.scheduler.registry import collect_jobs
from tests.conftest import SHOP
from tests.test_cli_validate import tessera

JOBS = ("platform.purge_sign_in_failures", "platform.purge_schedule_runs")


def _platform_lines(stdout: str) -> str:
    """The output lines of the platform's own jobs (engines and the outbox add jobs of their own)."""
    return "\n".join(line for line in stdout.splitlines() if line.startswith("platform."))


def scheduler(*args, cwd, db_url, timeout=60):
    proc = subprocess.run([tessera(), "scheduler", *args, "--db", db_url], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=_env())
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
    return proc


def _env():
    return {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}


def _shop(tmp_path, make_platform):
    app_file = tmp_path / "shop.yaml"
    app_file.write_text(SHOP, encoding="utf-8")
    return str(app_file), make_platform(str(app_file))   # tables made first, as `tessera run` would have


def test_list_prints_every_job_with_its_next_firing(tmp_path, make_platform, db_url):
    app_file, _ = _shop(tmp_path, make_platform)
    proc = scheduler(app_file, "--list", cwd=tmp_path, db_url=db_url)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.startswith("platform.")}
    assert set(lines) == set(JOBS)
    assert "cron '17 * * * *' (UTC)" in lines[JOBS[0]] and "last never" in lines[JOBS[0]]
    next_key = lines[JOBS[0]].split(" next ")[1].split()[0]
    assert dt.datetime.fromisoformat(next_key.rstrip("Z")).minute == 17


def test_once_runs_the_due_jobs_once_and_they_do_their_work(tmp_path, make_platform, db_url):
    app_file, platform = _shop(tmp_path, make_platform)
    failures = platform.auth["login_failures"]
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with platform.engine.begin() as conn:
        for name, age in (("stale", dt.timedelta(hours=2)), ("fresh", dt.timedelta(minutes=1))):
            conn.execute(failures.insert().values(username=name, ip="10.0.0.9", at=now - age))

    first = scheduler(app_file, "--once", cwd=tmp_path, db_url=db_url)
    assert first.returncode == 0, first.stderr
    for job in JOBS:
        assert f"{job} @ " in first.stdout and ": ok in " in first.stdout
    with platform.engine.connect() as conn:
        assert list(conn.execute(sa.select(failures.c.username)).scalars()) == ["fresh"]

    again = scheduler(app_file, "--once", cwd=tmp_path, db_url=db_url)
    assert again.returncode == 0 and _platform_lines(again.stdout).count("already run") == 2, again.stdout
    assert {row.status for row in runs.latest(platform).values()} == {"ok"}
    assert sum(len(runs.of_job(platform, job)) for job in JOBS) == 2

    listed = scheduler(app_file, "--list", cwd=tmp_path, db_url=db_url)
    assert "last ok @ " in listed.stdout


def test_two_processes_passing_at_once_run_each_firing_once(tmp_path, make_platform, db_url):
    app_file, platform = _shop(tmp_path, make_platform)
    procs = [subprocess.Popen([tessera(), "scheduler", app_file, "--once", "--db", db_url], cwd=tmp_path,
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    stdout = "".join(out for out, _ in outputs)
    for job in JOBS:
        assert stdout.count(f"{job} @ ") == 2
        assert len(runs.of_job(platform, job)) == 1
    ours = _platform_lines(stdout)
    assert ours.count(": ok in ") == 2 and ours.count("already run") == 2, stdout


def test_mistakes_are_one_line_and_exit_1(tmp_path, make_platform, db_url):
    app_file, _ = _shop(tmp_path, make_platform)
    unknown = scheduler(app_file, "--run", "platform.purge_sign_in_failure", cwd=tmp_path, db_url=db_url)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == ("error: no job 'platform.purge_sign_in_failure' (did you mean "
                                      "'platform.purge_sign_in_failures'?); `tessera scheduler --list` shows them")
    both = scheduler(app_file, "--once", "--list", cwd=tmp_path, db_url=db_url)
    assert both.returncode == 2 and "give at most one of --once, --run, --list" in both.stderr
    bad_db = scheduler(app_file, "--list", cwd=tmp_path, db_url="postgresql://nobody@127.0.0.1:1/none")
    assert bad_db.returncode == 1 and bad_db.stderr.startswith("error: database "), bad_db.stderr
    ran = scheduler(app_file, "--run", JOBS[1], cwd=tmp_path, db_url=db_url)
    assert ran.returncode == 0 and f"{JOBS[1]} @ " in ran.stdout and ": ok in " in ran.stdout


def test_the_scheduler_process_stops_cleanly_on_sigterm(tmp_path, make_platform, db_url):
    app_file, platform = _shop(tmp_path, make_platform)
    log = open(tmp_path / "scheduler.log", "w+")
    proc = subprocess.Popen([tessera(), "scheduler", app_file, "--db", db_url], cwd=tmp_path, env=_env(),
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while not all(runs.of_job(platform, job) for job in JOBS):   # both catch up their latest firing
            assert proc.poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.2)
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - stopped_at < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = (tmp_path / "scheduler.log").read_text()
    assert f"scheduler started with {len(collect_jobs(platform))} job(s)" in text and "Tessera scheduler stopped." in text, text
    assert "Traceback" not in text, text
