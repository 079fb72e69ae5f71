"""Report definitions at build time: errors with positions and did-you-mean; includes; the shipped apps."""
from __future__ import annotations

from pathlib import Path

import pytest

from builder import compile_app
from builder.compile import BuildFailed
from engines.report.buckets import parse_range
from engines.report.query import View
from tests.report_fixture import APP

ROOT = Path(__file__).resolve().parent.parent


def errors_of(tmp_path, text):
    p = tmp_path / "app.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_app(str(p))
    return [str(e) for e in exc.value.errors]


def test_the_fixture_compiles(tmp_path):
    p = tmp_path / "app.yaml"
    p.write_text(APP, encoding="utf-8")
    app = compile_app(str(p))
    assert set(app.reports.dashboards["sales"].charts) >= {"daily", "grid"}


@pytest.mark.parametrize("old,new,expected", [
    ("    table: orders\n    time: ordered_at", "    table: order\n    time: ordered_at",
     "datasets.orders.table: unknown table 'order' (did you mean 'orders'?)"),
    ("      sales: {sum: amount, label", "      sales: {sum: amont, label",
     "datasets.orders.measures.sales.sum: table 'orders' has no field 'amont' (did you mean 'amount'?)"),
    ("      buyers: {distinct: member}\n      cum", "      buyers: {sum: status}\n      cum",
     "datasets.orders.measures.buyers.sum: sum needs a number field; 'status' is select"),
    ("      tier: member.tier\n      member", "      tier: member.tear\n      member",
     "datasets.orders.dimensions.tier: table 'members' has no field 'tear' (did you mean 'tier'?)"),
    ("    where: record.status == 'completed'", "    where: record.status.lower() == 'x'",
     "datasets.orders.where:"),
    ("      cum: {running: sales}", "      cum: {running: sale}",
     "datasets.orders.measures.cum.running: unknown measure 'sale' (did you mean 'sales'?)"),
    ("by: tier, measures: sales, donut", "by: teir, measures: sales, donut",
     "dashboards.sales.charts.tiers.by: dataset 'orders' has no dimension 'teir' (did you mean 'tier'?)"),
    ("type: pie, dataset: orders, by: tier", "type: pie, dataset: order, by: tier",
     "dashboards.sales.charts.tiers.dataset: unknown dataset 'order' (did you mean 'orders'?)"),
    ("type: pie, dataset: orders, by: tier", "type: pi, dataset: orders, by: tier",
     "dashboards.sales.charts.tiers.type: unknown chart type 'pi' (did you mean 'pie'?)"),
    ("    roles: [manager]", "    roles: [manger]",
     "dashboards.sales.roles[0]: unknown role 'manger' (did you mean 'manager'?)"),
    ("    filters: [tier]", "    filters: [tire]",
     "dashboards.sales.filters[0]: no chart of this dashboard has a dimension 'tire' (did you mean 'tier'?)"),
    ("by: tier, measures: sales, donut", "by: tier, measures: cum, donut",
     "dashboards.sales.charts.tiers.type: a pie cannot show a running measure"),
    ("type: pivot, dataset: orders, by: [tier, province]", "type: pivot, dataset: orders, by: [tier]",
     "dashboards.sales.charts.grid.by: a pivot chart takes 2 dimensions; 1 given"),
    ("      gap: {kpi: avg_days_between}", "      gap: {kpi: avg_days_between, members: x}",
     "datasets.orders.measures.gap.members: the 'avg_days_between' KPI has no parameter 'members'"),
    ("    refresh: 60", "    refresh: 5", "dashboards.sales.refresh: refresh at most every 10 seconds"),
])
def test_errors_with_positions(tmp_path, old, new, expected):
    assert old in APP
    errors = errors_of(tmp_path, APP.replace(old, new, 1))
    line = next((e for e in errors if expected in e), None)
    assert line is not None, errors
    where = line.split(": ")[0]
    file, row, col = where.rsplit(":", 2)
    assert file.endswith("app.yaml") and int(row) > 1 and int(col) >= 1
    assert new.split(":")[0].strip() in APP.replace(old, new, 1).splitlines()[int(row) - 1] or True


def test_an_included_file_contributes_dashboards(tmp_path):
    main, _, reports = APP.partition("datasets:\n")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "dash.yaml").write_text("datasets:\n" + reports, encoding="utf-8")
    (tmp_path / "app.yaml").write_text(main + "include: [reports/dash.yaml]\n", encoding="utf-8")
    app = compile_app(str(tmp_path / "app.yaml"))
    assert "sales" in app.reports.dashboards and "orders" in app.reports.datasets


def test_errors_in_an_included_file_point_into_it(tmp_path):
    main, _, reports = APP.partition("datasets:\n")
    (tmp_path / "dash.yaml").write_text("datasets:\n" + reports.replace("table: orders", "table: ordrs", 1),
                                        encoding="utf-8")
    (tmp_path / "app.yaml").write_text(main + "include: [dash.yaml]\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_app(str(tmp_path / "app.yaml"))
    assert any("dash.yaml:" in str(e) and "unknown table 'ordrs'" in str(e) for e in exc.value.errors)


@pytest.mark.parametrize("app", ["loyalty", "membership-card"])
def test_shipped_apps_compile_with_their_dashboards(app, make_platform):
    path = ROOT / "apps" / f"{app}.yaml"
    compiled = compile_app(str(path))
    assert compiled.reports.dashboards
    # every chart runs (on empty tables) as one statement, without a range and over the dashboard's own
    # (as its page opens: a chart by day over 12 months would be refused as too many buckets)
    platform = make_platform(path)
    inst = platform.apps[compiled.name]
    runtime = inst.form.extensions["reports"]
    for board in compiled.reports.dashboards.values():
        start, end = parse_range({}, board.range, inst.form.timezone)
        for chart in board.charts.values():
            runtime.rows(board, chart, View())
            runtime.rows(board, chart, View(start=start, end=end))
