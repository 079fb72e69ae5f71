"""Pending ledger entries (`available:`): points earned now that may be spent only from a later date
(the return window of an order). They are written at once, kept out of the balance, and taken in by
the release job; a refund before then cancels them without ever touching what the member holds."""
import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from engines.form.errors import ValidationFailed
from engines.form.jobs import scheduler_jobs
from engines.form.ledger.check import check_ledgers
from engines.form.ledger.post import InsufficientBalance, post, reverse
from engines.form.ledger.release import release_due

APP = """
app: shop
timezone: Asia/Shanghai
tables:
  members:
    title_field: name
    fields:
      name: {type: text}
      points: {type: integer, default: 0, readonly: true}
  points_ledger:
    ledger: {account: member, amount: change, balance: points, balance_after: balance_after,
             available: available_on}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      balance_after: {type: integer}
      available_on: {type: date}
"""
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop(make_platform):
    platform = make_platform(APP)
    inst = platform.apps["shop"]
    return inst, inst.records.create("members", {"name": "Mia"})["id"]


def posted(inst, member, change, **values):
    with inst.records.unit_of_work(source="test") as w:
        return post(w, "points_ledger", member, change, values=values)


def points(inst, member):
    return inst.records.get("members", member)["points"]


def pending_ids(inst):
    sql = inst.form.sql["points_ledger"]
    with inst.form.engine.connect() as conn:
        return conn.execute(sa.select(sql.c.id).where(sql.c.ledger_pending.is_(True)).order_by(sql.c.id)).scalars().all()


def at(day: dt.date) -> dt.datetime:
    """A moment of `day` in the shop's zone (00:10), as the scheduler passes it."""
    return dt.datetime.combine(day, dt.time(0, 10), TZ)


def test_a_credit_dated_later_is_pending_until_its_day(shop):
    inst, m = shop
    today = dt.datetime.now(TZ).date()
    posted(inst, m, 30)
    later = posted(inst, m, 100, available_on=(today + dt.timedelta(days=7)).isoformat())
    assert points(inst, m) == 30 and later["balance_after"] == 30          # written, not in the balance
    assert pending_ids(inst) == [later["id"]] and check_ledgers(inst.form) == []
    with pytest.raises(InsufficientBalance):                                # not spendable yet
        posted(inst, m, -50)
    assert release_due(inst.form, at(today + dt.timedelta(days=6))) == 0
    assert release_due(inst.form, at(today + dt.timedelta(days=7))) == 1
    assert points(inst, m) == 130 and pending_ids(inst) == []
    assert inst.records.get("points_ledger", later["id"])["balance_after"] == 130
    assert release_due(inst.form, at(today + dt.timedelta(days=8))) == 0   # a rerun finds nothing
    posted(inst, m, -50)                                                    # now a lot like any other
    assert points(inst, m) == 80 and check_ledgers(inst.form) == []


def test_a_credit_dated_today_or_earlier_counts_at_once(shop):
    inst, m = shop
    posted(inst, m, 40, available_on=dt.datetime.now(TZ).date().isoformat())
    assert points(inst, m) == 40 and pending_ids(inst) == []


def test_a_refund_before_the_day_cancels_the_pending_points(shop):
    inst, m = shop
    day = dt.datetime.now(TZ).date() + dt.timedelta(days=7)
    earned = posted(inst, m, 100, available_on=day.isoformat())
    with inst.records.unit_of_work(source="test") as w:
        back = reverse(w, "points_ledger", earned["id"], amount=40)           # a partial refund
    assert back["change"] == -40 and points(inst, m) == 0
    assert pending_ids(inst) == [earned["id"], back["id"]] and check_ledgers(inst.form) == []
    assert release_due(inst.form, at(day)) == 2
    assert points(inst, m) == 60 and check_ledgers(inst.form) == []         # the refund took its own lot


def test_a_spend_cannot_wait(shop):
    inst, m = shop
    posted(inst, m, 100)
    with pytest.raises(ValidationFailed) as refused:
        posted(inst, m, -10, available_on=(dt.datetime.now(TZ).date() + dt.timedelta(days=1)).isoformat())
    assert "available_on" in refused.value.fields and points(inst, m) == 100


def test_the_scheduler_runs_the_release_job(shop):
    inst, m = shop
    posted(inst, m, 5, available_on="2020-01-01")          # a date gone by counts at once
    posted(inst, m, 5, available_on=(dt.datetime.now(TZ).date() + dt.timedelta(days=1)).isoformat())
    platform = SimpleNamespace(apps={"shop": inst})          # what scheduler_jobs reads of a platform
    job = {j.id: j for j in scheduler_jobs(platform)}["form.ledger_release.shop"]
    assert job.trigger.every == dt.timedelta(minutes=5)
    assert job.run(platform, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)) == 1
    assert points(inst, m) == 10
