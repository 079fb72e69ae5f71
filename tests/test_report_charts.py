"""Each chart type's numbers on the fixed data set of report_fixture, worked out by hand."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from engines.report.charts import CHART_TYPES
from engines.report.charts.funnel import steps
from engines.report.charts.pivot import grid
from engines.report.query import View
from tests.report_fixture import APP, RANGE, fill


@pytest.fixture
def shop(make_platform):
    inst = make_platform(APP).apps["shop"]
    fill(inst)
    return inst


def rows(inst, chart, view=RANGE):
    reports = inst.form.extensions["reports"]
    board = inst.app.reports.dashboards["sales"]
    return reports.rows(board, board.charts[chart], view)


def figure(inst, chart, lang="en", view=RANGE):
    reports = inst.form.extensions["reports"]
    board = inst.app.reports.dashboards["sales"]
    return reports.figure(board, board.charts[chart], view, lang)


def num(v):
    return None if v is None else round(float(v), 4)


def test_every_chart_type_is_in_the_registry():
    assert set(CHART_TYPES) == {"line", "bar", "pie", "indicator", "leaderboard", "pivot", "funnel", "map"}


def test_line_by_day_in_the_app_zone_with_empty_days_and_a_running_total(shop):
    got = [(str(r["day"])[:10], num(r["sales"]), num(r["cum"])) for r in rows(shop, "daily")]
    # 40 before the range opens the running total; the order at 00:30 on the 11th (UTC: the 10th) is the 11th's
    assert got == [("2026-11-02", 150, 190), ("2026-11-03", 0, 190), ("2026-11-04", 30, 220),
                   ("2026-11-05", 0, 220), ("2026-11-06", 0, 220), ("2026-11-07", 0, 220),
                   ("2026-11-08", 0, 220), ("2026-11-09", 0, 220), ("2026-11-10", 200, 420),
                   ("2026-11-11", 20, 440)]
    fig = figure(shop, "daily")
    assert fig["data"][0]["y"][0] == 150 and fig["data"][0]["customdata"][0] == "150.00"   # exact on hover
    # a category axis of days (a year of them: 366 labels) shows a dozen, with room under the axis
    assert fig["layout"]["xaxis"] == {"type": "category", "automargin": True, "nticks": 12}


def test_bar_stacked_by_week_and_tier(shop):
    got = {(str(r["week"])[:10], r["tier"]): num(r["sales"]) for r in rows(shop, "weekly") if r["tier"]}
    assert got == {("2026-11-02", "normal"): 30, ("2026-11-02", "vip"): 150, ("2026-11-09", "vip"): 220}
    fig = figure(shop, "weekly")
    assert fig["layout"]["barmode"] == "stack"
    by_name = {t["name"]: t["y"] for t in fig["data"]}
    assert by_name == {"normal": [30, 0], "vip": [150, 220]}


def test_pie_by_tier(shop):
    assert [(r["tier"], num(r["sales"])) for r in rows(shop, "tiers")] == [("vip", 370), ("normal", 30)]
    fig = figure(shop, "tiers", "zh")
    assert fig["data"][0]["hole"] == 0.5 and list(fig["data"][0]["labels"]) == ["vip", "normal"]


def test_indicator_against_the_previous_period(shop):
    (r,) = rows(shop, "card")
    assert (num(r["sales"]), num(r["sales__previous"]), r["n"], r["n__previous"]) == (400, 40, 5, 1)


def test_the_indicator_rounds_its_figures_and_shows_no_rise_from_an_empty_period(shop):
    (r,) = rows(shop, "kpis")           # repurchase (percent), gap (days), arpu, aov (money)
    fig = figure(shop, "kpis")
    measures = shop.app.reports.datasets["orders"].measures
    shown = {"money": ",.2f", "percent": ",.1~f", "number": ",.2~f"}
    for name, trace in zip(["repurchase", "gap", "arpu", "aov"], fig["data"]):
        assert trace["number"]["valueformat"] == shown[measures[name].format], name
        assert (r[f"{name}__previous"] is None) == (trace["mode"] == "number"), (name, r[f"{name}__previous"])


def test_leaderboard_top_two(shop):
    got = [(r["member__title"], num(r["sales"]), r["n"]) for r in rows(shop, "top")]
    assert got == [("C", 200, 1), ("A", 170, 3)]


def test_pivot_with_totals_computed_not_added(shop):
    board = shop.app.reports.dashboards["sales"]
    cols, body = grid(rows(shop, "grid"), board.charts["grid"], shop.app.reports.datasets["orders"], "en")
    assert cols == ["广东省", "浙江省", "Total"]
    assert body == [("normal", ["0", "1", "1"]), ("vip", ["2", "0", "2"]), ("Total", ["2", "1", "3"])]


def test_funnel_over_related_purchases(shop):
    board = shop.app.reports.dashboards["sales"]
    got = steps(rows(shop, "steps"), board.charts["steps"], shop.app.reports.datasets["members"])
    assert [(m.name, v) for m, v, _, _ in got] == [("members", 4), ("buyers", 3), ("repeaters", 2)]
    assert num(got[2][3]) == round(2 / 3, 4)


def test_map_by_province(shop):
    assert [(r["province"], r["n"]) for r in rows(shop, "where")] == [("广东省", 4), ("浙江省", 1)]
    fig = figure(shop, "where")
    assert fig["data"][0]["type"] == "treemap" and list(fig["data"][0]["values"]) == [4, 1]


def test_region_city_part(shop):
    board = shop.app.reports.dashboards["sales"]
    chart = dataclasses.replace(board.charts["where"], by=("province", "city"))
    with shop.form.engine.connect() as conn:
        got = {(r["province"], r["city"]): r["n"]
               for r in conn.execute(shop.form.extensions["reports"].statement(chart, RANGE)).mappings()}
    assert got == {("广东省", "深圳市"): 3, ("广东省", "广州市"): 1, ("浙江省", "杭州市"): 1}


def test_purchase_kpis(shop):
    (r,) = rows(shop, "kpis")
    assert num(r["repurchase"]) == round(1 / 3, 4)     # A bought 3 times in the range; B and C once
    # gaps: A 14.5 h, B 10 days (since 25 October), A 8 days 1 hour
    assert num(r["gap"]) == round((14.5 / 24 + 10 + 8 + 1 / 24) / 3, 4)
    assert num(r["arpu"]) == 100                     # 400 over 4 members
    assert num(r["aov"]) == 80


def test_churn_rate(shop):
    (r,) = rows(shop, "churn")
    assert num(r["churn"]) == round(1 / 3, 4)        # B last bought on the 4th: over 7 days before the 12th


def test_points_kpis(shop):
    (r,) = rows(shop, "points")
    assert (r["issued"], r["consumed"], r["outstanding"]) == (160, 30, 610)
    assert num(r["liability"]) == 6.1


def test_global_filter_applies_to_charts_with_the_dimension(shop):
    view = dataclasses.replace(RANGE, filters={"tier": ("normal",)})
    assert [(r["tier"], num(r["sales"])) for r in rows(shop, "tiers", view)] == [("normal", 30)]
    # the members funnel has a tier dimension too: only B and D
    assert rows(shop, "steps", view) == [{"members": 2, "buyers": 1, "repeaters": 1}]
    # a pivot's totals too, though the grand total groups by nothing (the filter brings the join)
    board = shop.app.reports.dashboards["sales"]
    cols, body = grid(rows(shop, "grid", view), board.charts["grid"], shop.app.reports.datasets["orders"], "en")
    assert cols == ["浙江省", "Total"]
    assert body == [("normal", ["1", "1"]), ("Total", ["1", "1"])]


@pytest.mark.parametrize("bucket,expected", [("month", [("2026-11-01", 400)]),
                                              ("quarter", [("2026-10-01", 400)]),
                                              ("year", [("2026-01-01", 400)])])
def test_coarser_buckets(shop, bucket, expected):
    board = shop.app.reports.dashboards["sales"]
    chart = dataclasses.replace(board.charts["daily"], by=(bucket,), measures=("sales",))
    with shop.form.engine.connect() as conn:
        got = conn.execute(shop.form.extensions["reports"].statement(chart, RANGE)).mappings().all()
    assert [(str(r[bucket])[:10], num(r["sales"])) for r in got] == expected


def test_a_chart_over_many_rows_is_one_aggregate_query(shop):
    orders = shop.form.sql["orders"]
    now = dt.datetime(2026, 11, 5, 2, 0)
    with shop.form.engine.begin() as conn:
        conn.execute(orders.insert(), [dict(member=1 + i % 3, amount=1, status="completed", ordered_at=now,
                                            created_at=now, updated_at=now) for i in range(20000)])
    statements = []
    def listen(conn, cursor, statement, *args):
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):   # SQLite's own BEGIN
            statements.append(statement)
    sa.event.listen(shop.form.engine, "before_cursor_execute", listen)
    try:
        for chart in ("daily", "weekly", "tiers", "card", "top", "grid", "where"):
            statements.clear()
            result = rows(shop, chart, View(start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 12)))
            assert len(statements) == 1, chart
            assert "GROUP BY" in statements[0] or chart == "card"
        assert [(r["province"], r["n"]) for r in result] == [("广东省", 4 + 6667 + 6666), ("浙江省", 1 + 6667)]   # ids 1 (A), 3 (C); 2 (B)
    finally:
        sa.event.remove(shop.form.engine, "before_cursor_execute", listen)


def test_a_filter_through_a_link_joins_once_in_every_statement_shape(shop):
    """The tier filter reaches members through the order's link: the indicator's two periods, a line
    over days (its running total's opening too) and the KPIs per member all join it, and count each
    order once (a join made after the FROM was built would be a cartesian product)."""
    view = dataclasses.replace(RANGE, filters={"tier": ("normal",)})
    (r,) = rows(shop, "card", view)
    assert (num(r["sales"]), r["n"], num(r["sales__previous"]), r["n__previous"]) == (30, 1, 40, 1)   # B only
    daily = {str(x["day"])[:10]: (num(x["sales"]), num(x["cum"])) for x in rows(shop, "daily", view)}
    assert daily["2026-11-04"] == (30, 70) and daily["2026-11-11"] == (0, 70)     # B's 40 before the range
    (k,) = rows(shop, "kpis", view)
    assert num(k["arpu"]) == 15                   # B's 30 over the 2 normal members (B and D), not over all 4


def test_indicator_previous_period_kpis_look_at_that_period(shop):
    (r,) = rows(shop, "points")
    # the range before 2-11 November is 23 October-1 November: 500 posted on 20 October, nothing in it
    assert (r["outstanding__previous"], r["issued__previous"]) == (500, 0)
    assert num(r["liability__previous"]) == 5.0
    (k,) = rows(shop, "kpis", View(start=dt.date(2026, 11, 4), end=dt.date(2026, 11, 12)))
    # 4-11 November: B, C, A once each; the 8 days before: A twice on the 2nd, the only buyer
    assert (num(k["repurchase"]), num(k["repurchase__previous"])) == (0, 1.0)


@pytest.mark.parametrize("measure,cells", [
    # completed orders in the range: A 100, 50, 20 and C 200 (vip, 广东省); B 30 (normal, 浙江省)
    ("sales", {("vip", "广东省"): 370, ("normal", "浙江省"): 30, "vip": 370, "normal": 30, "广东省": 370, "浙江省": 30, "all": 400}),
    ("avg_amount", {("vip", "广东省"): 92.5, ("normal", "浙江省"): 30, "vip": 92.5, "广东省": 92.5, "浙江省": 30, "all": 80}),
    ("per_buyer", {("vip", "广东省"): 185, ("normal", "浙江省"): 30, "vip": 185, "广东省": 185, "all": round(400 / 3, 4)}),
    ("aov", {("vip", "广东省"): 92.5, ("normal", "浙江省"): 30, "vip": 92.5, "广东省": 92.5, "all": 80}),   # a KPI
])
def test_pivot_totals_of_sums_averages_ratios_and_kpis(shop, measure, cells):
    board = shop.app.reports.dashboards["sales"]
    chart = dataclasses.replace(board.charts["grid"], measures=(measure,))
    with shop.form.engine.connect() as conn:
        stmt = shop.form.extensions["reports"].statement(chart, RANGE)
        got = conn.execute(stmt).mappings().all()
    found = {}
    for r in got:
        key = {"cell": (r["tier"], r["province"]), "row": r["tier"], "col": r["province"], "all": "all"}[r["__kind"]]
        found[key] = num(r[measure])
    assert {k: v for k, v in found.items() if k in cells} == cells
    # a KPI needs the rows themselves: four groupings of them; the others: the rows are read once
    assert str(stmt).count("FROM shop__orders") == (4 if measure == "aov" else 1)


def test_change_against_the_bucket_before(shop):
    board = shop.app.reports.dashboards["sales"]
    chart = dataclasses.replace(board.charts["daily"], measures=("sales", "delta"))
    with shop.form.engine.connect() as conn:
        got = conn.execute(shop.form.extensions["reports"].statement(chart, RANGE)).mappings().all()
    # sales per day 150, 0, 30, 0, 0, 0, 0, 0, 200, 20: each day minus the one before (none for the first)
    assert [num(r["delta"]) for r in got] == [None, -150, 30, -30, 0, 0, 0, 0, 200, -180]


def test_min_and_max(shop):
    board = shop.app.reports.dashboards["sales"]
    chart = dataclasses.replace(board.charts["tiers"], measures=("biggest", "smallest"))
    with shop.form.engine.connect() as conn:
        got = conn.execute(shop.form.extensions["reports"].statement(chart, RANGE)).mappings().all()
    assert {r["tier"]: (num(r["biggest"]), num(r["smallest"])) for r in got} == {"vip": (200, 20), "normal": (30, 30)}


def test_average_order_value_of_members_against_non_members(shop):
    shop.records.create("orders", {"amount": 60, "status": "completed", "ordered_at": "2026-11-05 10:00"})
    shop.records.create("orders", {"amount": 10, "status": "completed", "ordered_at": "2026-11-06 10:00"})
    board = shop.app.reports.dashboards["sales"]
    chart = dataclasses.replace(board.charts["kpis"], measures=("aov", "aov_non"))
    (r,) = shop.form.extensions["reports"].rows(board, chart, RANGE)
    assert (num(r["aov"]), num(r["aov_non"])) == (80, 35)      # 400 over 5 member orders; 70 over 2 without
