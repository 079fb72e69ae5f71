"""The scheduler (runtime/scheduler): jobs fired by a real APScheduler, each firing claimed once in
tessera_schedule_runs, on the test database (SQLite file, or PostgreSQL with TESSERA_TEST_DATABASE_URL)."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import pytest
import sqlalchemy as sa

from engines.common.scheduling import Cron, Interval, Job
from runtime.scheduler import runs
from runtime.scheduler.process import serve
from runtime.scheduler.registry import JobError, JobRegistry, collect_jobs
from runtime.scheduler.runner import FAILED, NOT_DUE, RAN, TAKEN, Runner
from runtime.scheduler.triggers import (UTC, fire_key, latest_fire_time, next_fire_time,
                                        to_apscheduler)
from tests.conftest import SHOP

UTC_NOON = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def wait_for(check, timeout=15.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Serving:
    """`serve` in a thread, as `tessera scheduler` runs it in its main thread; stopped on exit."""

    def __init__(self, platform, jobs, runner=None):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=serve, args=(platform, JobRegistry(jobs), self.stop, runner))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the scheduler did not stop"


def recording(name, calls, lock=threading.Lock(), seconds=0.0, error=None):
    def run(platform, fire_time):
        with lock:
            calls.append((name, fire_time))
        time.sleep(seconds)
        if error:
            raise error
    return run


# -- firing times ------------------------------------------------------------------------------------

def test_cron_firings_are_computed_in_the_jobs_time_zone_and_keyed_in_utc():
    nine_in_shanghai = to_apscheduler(Cron("0 9 * * *", "Asia/Shanghai"))   # 01:00 UTC
    assert latest_fire_time(nine_in_shanghai, UTC_NOON, dt.timedelta(hours=12)) == \
        dt.datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    assert latest_fire_time(nine_in_shanghai, UTC_NOON, dt.timedelta(hours=10)) is None   # beyond the grace
    assert next_fire_time(nine_in_shanghai, UTC_NOON) == dt.datetime(2024, 5, 2, 1, 0, tzinfo=UTC)
    every_minute = to_apscheduler(Cron("* * * * *"))
    assert latest_fire_time(every_minute, UTC_NOON + dt.timedelta(seconds=59), dt.timedelta(hours=1)) == UTC_NOON
    assert fire_key(dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))) == "2024-05-01T01:00:00Z"


def test_interval_firings_are_the_same_in_every_process():
    """Counted from the epoch, not from each process's start: two schedulers agree on the keys."""
    ten_minutes = to_apscheduler(Interval(dt.timedelta(minutes=10)))
    assert latest_fire_time(ten_minutes, UTC_NOON + dt.timedelta(minutes=14), dt.timedelta(hours=1)) == \
        UTC_NOON + dt.timedelta(minutes=10)
    assert next_fire_time(ten_minutes, UTC_NOON) == UTC_NOON + dt.timedelta(minutes=10)


def test_the_registry_refuses_every_unusable_job_at_once():
    noop = recording("x", [])
    with pytest.raises(JobError) as caught:
        JobRegistry([Job("a", Cron("61 * * * *"), noop), Job("b", Cron("0 9 * * *", "Mars/Base"), noop),
                     Job("c", Interval(dt.timedelta(milliseconds=10)), noop),
                     Job("d", Cron("0 * * * *"), noop), Job("d", Cron("5 * * * *"), noop)])
    lines = str(caught.value).splitlines()
    assert len(lines) == 4
    assert "job 'a': invalid cron expression '61 * * * *'" in lines[0]
    assert lines[1] == "job 'b': unknown time zone 'Mars/Base'"
    assert "shorter than one second" in lines[2]
    assert lines[3] == "job 'd' is defined twice"


def test_the_platform_contributes_its_jobs_through_the_same_hook(shop_platform):
    jobs = collect_jobs(shop_platform)
    assert {"platform.purge_sign_in_failures", "platform.purge_schedule_runs"} <= set(jobs)
    with pytest.raises(KeyError, match="did you mean 'platform.purge_schedule_runs'"):
        jobs["platform.purge_schedule_run"]


# -- firing and claiming ------------------------------------------------------------------------------

def test_a_job_fires_on_its_trigger_and_its_runs_are_recorded(shop_platform):
    calls = []
    job = Job("test.every_second", Interval(dt.timedelta(seconds=1)), recording("tick", calls))
    with Serving(shop_platform, [job]):
        wait_for(lambda: len(calls) >= 3, what="three firings")
    rows = runs.of_job(shop_platform, job.id)
    assert len(rows) >= 3 and {r.status for r in rows} == {"ok"}
    assert [r.fire_key for r in rows] == [fire_key(t) for _, t in calls]
    for row, (_, fire_time) in zip(rows, calls):
        assert fire_time.tzinfo is not None and fire_time.microsecond == 0   # the scheduled time, not "now"
        assert row.finished_at >= row.started_at and row.error is None and row.pid > 0 and row.host
    assert len({r.fire_key for r in rows}) == len(rows)


def test_two_schedulers_claiming_the_same_firings_run_each_once(make_platform):
    """Two runners with engines of their own (as two processes have) race for the same ten firings."""
    first, second = make_platform(SHOP), make_platform(SHOP)
    calls = []
    job = Job("test.contended", Cron("* * * * *"), recording("contended", calls, seconds=0.05))
    firings = [UTC_NOON + dt.timedelta(minutes=i) for i in range(10)]
    start = threading.Barrier(2)
    outcomes = {}

    def race(name, platform):
        runner = Runner(platform, host=name)
        start.wait()
        outcomes[name] = [runner.fire(job, t) for t in firings]

    threads = [threading.Thread(target=race, args=(n, p)) for n, p in (("one", first), ("two", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(t for _, t in calls) == firings                 # each firing ran, once
    for i in range(len(firings)):
        assert sorted(outcomes[n][i].status for n in ("one", "two")) == sorted([RAN, TAKEN])
    rows = runs.of_job(first, job.id)
    assert len(rows) == 10 and {r.status for r in rows} == {"ok"}


def test_a_failing_job_is_recorded_as_failed_and_the_others_keep_running(shop_platform, caplog):
    caplog.set_level(logging.INFO, logger="tessera.scheduler")
    calls = []
    bad = Job("test.bad", Interval(dt.timedelta(seconds=1)),
              recording("bad", calls, error=ValueError("no such member:\n  42")))
    good = Job("test.good", Interval(dt.timedelta(seconds=1)), recording("good", calls))
    with Serving(shop_platform, [bad, good]):
        wait_for(lambda: sum(n == "bad" for n, _ in calls) >= 2 and sum(n == "good" for n, _ in calls) >= 2,
                 what="two firings of each job")
    failed = runs.of_job(shop_platform, "test.bad")
    assert {r.status for r in failed} == {"failed"}
    assert {r.error for r in failed} == {"ValueError: no such member: 42"}   # one line, no traceback
    assert {r.status for r in runs.of_job(shop_platform, "test.good")} == {"ok"}
    assert "Traceback" in caplog.text and "test.bad @ " in caplog.text       # the traceback is in the log


def test_a_missed_firing_runs_once_at_start_and_not_again_after_a_restart(shop_platform, caplog):
    caplog.set_level(logging.INFO, logger="tessera.scheduler")
    now = dt.datetime.now(UTC)
    recent, old = now - dt.timedelta(minutes=30), now - dt.timedelta(hours=3)
    calls = []
    missed = Job("test.missed", Cron(f"{recent.minute} {recent.hour} * * *"), recording("missed", calls))
    too_old = Job("test.too_old", Cron(f"{old.minute} {old.hour} * * *"), recording("too_old", calls))
    with Serving(shop_platform, [missed, too_old]):
        wait_for(lambda: runs.of_job(shop_platform, missed.id) and
                 runs.of_job(shop_platform, missed.id)[0].status == "ok", what="the catch-up run")
    expected = recent.replace(second=0, microsecond=0)
    assert calls == [("missed", expected)]                     # the latest missed firing, once; not the old one
    with Serving(shop_platform, [missed, too_old]):            # a restart: the firing is claimed already
        wait_for(lambda: "test.missed @ " + fire_key(expected) + ": already run" in caplog.text,
                 what="the restart to skip the firing")
    assert calls == [("missed", expected)]
    assert [r.fire_key for r in runs.of_job(shop_platform, missed.id)] == [fire_key(expected)]
    assert Runner(shop_platform).run_due(too_old).status == NOT_DUE


def test_stopping_lets_the_running_job_finish(shop_platform):
    started = threading.Event()

    def slow(platform, fire_time):
        started.set()
        time.sleep(1.5)

    job = Job("test.slow", Interval(dt.timedelta(hours=1)), slow)   # due at once: its last firing is this hour
    serving = Serving(shop_platform, [job])
    with serving:
        assert started.wait(15)
    (row,) = runs.of_job(shop_platform, job.id)
    assert row.status == "ok" and row.finished_at is not None


# -- the platform's jobs ----------------------------------------------------------------------------------

def _naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None)


def test_the_purge_job_deletes_old_sign_in_failures_and_keeps_recent_ones(shop_platform):
    failures = shop_platform.auth["login_failures"]
    now = dt.datetime.now(UTC).replace(microsecond=0)
    ages = {"hour": 60, "sixteen": 16, "five": 5, "now": 0}
    with shop_platform.engine.begin() as conn:
        for name, minutes in ages.items():
            conn.execute(failures.insert().values(username=name, ip="10.0.0.1",
                                                  at=_naive(now - dt.timedelta(minutes=minutes))))
    job = collect_jobs(shop_platform)["platform.purge_sign_in_failures"]
    outcome = Runner(shop_platform).fire(job, now)
    assert outcome.status == RAN
    with shop_platform.engine.connect() as conn:
        left = sorted(conn.execute(sa.select(failures.c.username)).scalars())
    assert left == ["five", "now"]


def test_the_runs_purge_keeps_ninety_days(shop_platform):
    table = shop_platform.system["schedule_runs"]
    now = dt.datetime.now(UTC).replace(microsecond=0)
    with shop_platform.engine.begin() as conn:
        for days in (120, 91, 89, 1):
            started = _naive(now - dt.timedelta(days=days))
            conn.execute(table.insert().values(job_id="test.old", fire_key=f"{days}", status="ok",
                                               started_at=started, finished_at=started, host="h", pid=1))
    job = collect_jobs(shop_platform)["platform.purge_schedule_runs"]
    assert Runner(shop_platform).fire(job, now).status == RAN
    assert [r.fire_key for r in runs.of_job(shop_platform, "test.old")] == ["89", "1"]
    assert runs.latest(shop_platform)[job.id].status == "ok"


def test_a_job_that_fails_under_run_now_is_reported(shop_platform):
    job = Job("test.boom", Cron("0 0 1 1 *"), recording("boom", [], error=RuntimeError("boom")))
    outcome = Runner(shop_platform).run_now(job)
    assert outcome.status == FAILED and outcome.error == "RuntimeError: boom"
    assert outcome.line().endswith(": failed in %.2fs: RuntimeError: boom" % outcome.seconds)
