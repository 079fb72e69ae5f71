"""Scheduled rules: cron rules, daily rules over the records a `where` admits, the jobs the scheduler
gets from them, and a rule that keeps failing being held back."""
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from engines.rules.jobs import scheduler_jobs
from engines.rules.scheduled import FAILURE_LIMIT, run_scheduled
from runtime.auth import create_user
from runtime.webapp import create_app
from tests.conftest import sign_in, submit

APP = """
app: club
timezone: Asia/Shanghai
tables:
  members:
    title_field: name
    fields:
      name: {type: text}
      birthday: {type: date}
  coupons:
    fields:
      member: {type: link, table: members}
      kind: {type: text}
      value: {type: integer}
rules:
  birthday_coupon:
    when: {daily: "09:00", table: members, where: "same_month_day(record.birthday, today())"}
    do:
      - create: {table: coupons, values: {member: =record.id, kind: birthday, value: 20}}
  weekly_report:
    when: {schedule: "0 8 * * 1"}
    do:
      - create: {table: coupons, values: {kind: weekly}}
  always_fails:
    when: {schedule: "*/5 * * * *"}
    do:
      - create: {table: coupons, values: {value: "=int('x')"}}
"""


@pytest.fixture
def club(make_platform):
    platform = make_platform(APP)
    return platform, platform.apps["club"]


def coupons(inst, **where):
    sql = inst.form.sql["coupons"]
    with inst.form.engine.connect() as conn:
        stmt = sa.select(sql.c.member, sql.c.kind)
        for k, v in where.items():
            stmt = stmt.where(sql.c[k] == v)
        return conn.execute(stmt.order_by(sql.c.id)).all()


def test_daily_rule_runs_for_each_admitted_record(club):
    platform, inst = club
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    r = inst.records
    born_today = r.create("members", {"name": "A", "birthday": today.replace(year=1990).isoformat()
                                      if not (today.month == 2 and today.day == 29) else "1992-02-29"})
    r.create("members", {"name": "B", "birthday": (today + dt.timedelta(days=1)).replace(year=1991).isoformat()})
    r.create("members", {"name": "C"})                                   # no birthday: not admitted
    counts = run_scheduled(inst, next(x for x in inst.app.rules if x.name == "birthday_coupon"))
    assert counts == {"ran": 1, "failed": 0, "skipped": 0}
    assert coupons(inst, kind="birthday") == [(born_today["id"], "birthday")]


def test_cron_rule_runs_once_per_firing(club):
    platform, inst = club
    run_scheduled(inst, next(x for x in inst.app.rules if x.name == "weekly_report"))
    assert coupons(inst, kind="weekly") == [(None, "weekly")]


def test_a_rule_failing_again_and_again_is_held_back(club):
    platform, inst = club
    rule = next(x for x in inst.app.rules if x.name == "always_fails")
    for _ in range(FAILURE_LIMIT):
        assert run_scheduled(inst, rule)["failed"] == 1
    assert run_scheduled(inst, rule) == {"ran": 0, "failed": 0, "skipped": 1}
    t = platform.rule_runs
    with platform.engine.connect() as conn:
        outcomes = conn.execute(sa.select(t.c.outcome, t.c.error).where(t.c.rule == "always_fails")).all()
    assert len(outcomes) == FAILURE_LIMIT and all(o == "failed" and "always_fails" in e for o, e in outcomes)


def test_a_held_back_rule_is_flagged_for_admins_and_can_be_resumed(club):
    platform, inst = club
    rule = next(x for x in inst.app.rules if x.name == "always_fails")
    for _ in range(FAILURE_LIMIT):
        run_scheduled(inst, rule)
    assert run_scheduled(inst, rule)["skipped"] == 1
    create_user(platform, "boss", "long enough pw", is_admin=True)
    app = create_app(platform)
    app.config["TESTING"] = True
    admin = app.test_client()
    sign_in(admin, "boss", "long enough pw")
    page = admin.get("/_admin/rules?outcome=ok").get_data(as_text=True)   # flagged whatever the filter
    assert 'role="alert"' in page and "club · always_fails" in page and "int()" in page
    resp = submit(admin, "/_admin/rules/resume", {"app": "club", "rule": "always_fails"}, form_url="/_admin/rules")
    assert resp.status_code == 303
    assert "always_fails" in admin.get("/_admin/rules").get_data(as_text=True)           # the flash says so
    assert "club · always_fails</strong>" not in admin.get("/_admin/rules").get_data(as_text=True)
    assert run_scheduled(inst, rule)["failed"] == 1          # runs again (and fails: 1 of 5 so far)


def test_a_held_back_rule_runs_again_once_its_definition_changes(club):
    platform, inst = club
    rule = next(x for x in inst.app.rules if x.name == "always_fails")
    for _ in range(FAILURE_LIMIT + 1):
        run_scheduled(inst, rule)
    assert run_scheduled(inst, rule)["skipped"] == 1
    edited = dataclasses.replace(rule, fingerprint="the definition was edited")
    assert run_scheduled(inst, edited) == {"ran": 0, "failed": 1, "skipped": 0}
    for _ in range(FAILURE_LIMIT - 1):          # the old failures do not count against the new definition
        assert run_scheduled(inst, edited)["failed"] == 1
    assert run_scheduled(inst, edited)["skipped"] == 1


def test_the_scheduler_gets_one_job_per_scheduled_rule_in_the_apps_zone(club):
    platform, inst = club
    jobs = {j.id: j for j in scheduler_jobs(platform)}
    assert set(jobs) == {"rules.club.birthday_coupon", "rules.club.weekly_report", "rules.club.always_fails"}
    assert jobs["rules.club.birthday_coupon"].trigger.expression == "0 9 * * *"
    assert jobs["rules.club.birthday_coupon"].trigger.timezone == "Asia/Shanghai"
    result = jobs["rules.club.weekly_report"].run(platform, dt.datetime.now(dt.timezone.utc))
    assert "ran 1" in result and coupons(inst, kind="weekly")


def test_a_bad_cron_is_a_build_error(tmp_path):
    from builder import BuildFailed, compile_files
    p = tmp_path / "a.yaml"
    p.write_text("app: a\ntables:\n  t:\n    fields: {x: {type: text}}\nrules:\n  r:\n    when: {schedule: '61 * * * *'}\n"
                 "    do:\n      - create: {table: t}\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_files([str(p)])
    assert "rules.r.when.schedule: invalid cron expression '61 * * * *'" in str(exc.value.errors[0])
