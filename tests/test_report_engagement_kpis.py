"""The check-in and task KPIs (engines/report/kpis/check_ins.py, tasks.py) on a small fixed data set,
every expected number worked out by hand in the comments."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from builder import compile_app
from builder.compile import BuildFailed
from engines.report.query import View

APP = """
app: club
roles: [manager]
timezone: Asia/Shanghai
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
      tier: {type: select, options: [normal, vip]}
  check_ins:
    fields:
      member: {type: link, table: members, required: true}
      day: {type: date, required: true}
  task_progress:
    fields:
      member: {type: link, table: members, required: true}
      taken_at: {type: datetime, required: true}
      completed_at: {type: datetime}
datasets:
  check_ins:
    table: check_ins
    time: day
    dimensions: {tier: member.tier, member: member}
    measures:
      rate: {kpi: check_in_rate}
  tasks:
    table: task_progress
    time: taken_at
    dimensions: {tier: member.tier}
    measures:
      done: {kpi: tasks_completed}
      rate: {kpi: task_completion_rate}
dashboards:
  engagement:
    roles: [manager]
    filters: [tier, member]
    charts:
      daily: {type: line, dataset: check_ins, by: day, measures: rate}
      card: {type: indicator, dataset: check_ins, measures: rate}
      tasks: {type: indicator, dataset: tasks, measures: [done, rate]}
      weekly: {type: bar, dataset: tasks, by: week, measures: [done, rate]}
"""

RANGE = View(start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 12))   # Monday 2 to 11 November


@pytest.fixture
def club(make_platform):
    inst = make_platform(APP).apps["club"]
    rec = inst.records
    ids = {n: rec.create("members", {"name": n, "tier": t})["id"]
           for n, t in (("A", "vip"), ("B", "normal"), ("C", "vip"), ("D", "normal"))}
    for who, day in (("A", "2026-11-02"), ("A", "2026-11-03"), ("A", "2026-11-04"), ("B", "2026-11-03"),
                     ("C", "2026-11-10"), ("A", "2026-10-30")):
        rec.create("check_ins", {"member": ids[who], "day": day})
    for who, taken, done in (("A", "2026-11-02 10:00", "2026-11-03 10:00"), ("A", "2026-11-05 10:00", None),
                             ("B", "2026-11-04 10:00", "2026-11-12 09:00"),     # done after the range: done
                             ("C", "2026-11-10 10:00", None),
                             ("D", "2026-10-20 10:00", "2026-11-05 10:00")):    # taken up before the range
        rec.create("task_progress", {"member": ids[who], "taken_at": taken, "completed_at": done})
    return inst, ids


def rows(inst, chart, view=RANGE):
    board = inst.app.reports.dashboards["engagement"]
    return inst.form.extensions["reports"].rows(board, board.charts[chart], view)


def num(v):
    return None if v is None else round(float(v), 4)


def test_check_in_rate_per_day_is_that_days_checkers_over_every_member(club):
    inst, _ = club
    got = [(str(r["day"])[:10], num(r["rate"])) for r in rows(inst, "daily")]
    # 4 members: the 2nd A, the 3rd A and B, the 4th A, the 10th C; no one on the other days
    assert got == [("2026-11-02", 0.25), ("2026-11-03", 0.5), ("2026-11-04", 0.25), ("2026-11-05", 0),
                   ("2026-11-06", 0), ("2026-11-07", 0), ("2026-11-08", 0), ("2026-11-09", 0),
                   ("2026-11-10", 0.25), ("2026-11-11", 0)]


def test_check_in_rate_over_the_range_and_the_period_before(club):
    inst, _ = club
    (r,) = rows(inst, "card")
    # A, B and C checked in from the 2nd to the 11th; the ten days before, only A (30 October)
    assert (num(r["rate"]), num(r["rate__previous"])) == (0.75, 0.25)


def test_check_in_rate_filtered_by_tier_counts_only_that_tiers_members(club):
    inst, ids = club
    vip = dataclasses.replace(RANGE, filters={"tier": ("vip",)})
    (r,) = rows(inst, "card", vip)
    assert num(r["rate"]) == 1.0                 # A and C checked in, of the 2 vip members
    daily = {str(x["day"])[:10]: num(x["rate"]) for x in rows(inst, "daily", vip)}
    assert daily["2026-11-03"] == 0.5            # A, not B (normal)
    one = dataclasses.replace(RANGE, filters={"member": (str(ids["B"]),)})
    assert num(rows(inst, "card", one)[0]["rate"]) == 1.0


def test_tasks_completed_and_completion_rate_of_the_tasks_taken_up_in_the_range(club):
    inst, _ = club
    (r,) = rows(inst, "tasks")
    # taken up in the range: A twice, B, C; done: A's first and B's (after the range ends: done all the same)
    assert (r["done"], num(r["rate"])) == (2, 0.5)
    assert (r["done__previous"], r["rate__previous"]) == (0, None)      # D's was taken up before: not a rate of 0
    vip = dataclasses.replace(RANGE, filters={"tier": ("vip",)})
    (r,) = rows(inst, "tasks", vip)
    assert (r["done"], num(r["rate"])) == (1, round(1 / 3, 4))          # A's two and C's, one done


def test_task_figures_per_week(club):
    inst, _ = club
    got = [(str(r["week"])[:10], r["done"], num(r["rate"])) for r in rows(inst, "weekly")]
    assert got == [("2026-11-02", 2, round(2 / 3, 4)), ("2026-11-09", 0, 0)]


@pytest.mark.parametrize("old,new,expected", [
    ("rate: {kpi: check_in_rate}", "rate: {kpi: check_in_rate, member: day}",
     "datasets.check_ins.measures.rate.member: 'day' is not a link field"),
    ("done: {kpi: tasks_completed}", "done: {kpi: tasks_completed, completed: finished_at}",
     "datasets.tasks.measures.done.completed: table 'task_progress' has no field 'finished_at'"),
    ("rate: {kpi: task_completion_rate}", "rate: {kpi: task_completion_rate, completed: member}",
     "datasets.tasks.measures.rate.completed: 'member' is not a date or datetime field"),
])
def test_bad_kpi_parameters_are_build_errors_at_their_place(tmp_path, old, new, expected):
    assert old in APP
    p = tmp_path / "app.yaml"
    p.write_text(APP.replace(old, new), encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_app(str(p))
    assert any(expected in str(e) for e in exc.value.errors), [str(e) for e in exc.value.errors]
