"""The indexes the report engine derives from its datasets: created with the app, added to a database
that existed before them, dropped when the dataset no longer asks for them, and used by the charts."""
import sqlalchemy as sa

from runtime.migrate import plan
from runtime.platform import Platform
from tests.report_fixture import APP, RANGE, fill

WITHOUT_REPORTS = APP[:APP.index("datasets:")]


def _report_indexes(platform, table):
    return {i["name"]: i["column_names"] for i in sa.inspect(platform.engine).get_indexes(table)
            if "__report_" in i["name"]}


def test_a_dataset_with_a_time_field_gets_an_index_led_by_it_covering_what_it_reads(make_platform):
    platform = make_platform(APP)
    orders = _report_indexes(platform, "shop__orders")
    assert len(orders) == 1
    [cols] = orders.values()
    assert cols[0] == "ordered_at"                      # the date range reads only its rows
    assert {"status", "amount", "member"} <= set(cols)  # where, sum and distinct, link to members
    [points] = _report_indexes(platform, "shop__points").values()
    assert points[0] == "at" and {"change", "reason"} <= set(points)
    assert _report_indexes(platform, "shop__members") == {}   # its dataset has no time field
    assert plan(platform.engine, platform.metadata).additive == []


def test_an_existing_database_gets_the_indexes_on_start_and_loses_them_with_the_datasets(make_platform):
    before = make_platform(WITHOUT_REPORTS)
    a = before.apps["shop"].records.create("members", {"name": "A", "tier": "vip"})["id"]
    order = before.apps["shop"].records.create(
        "orders", {"member": a, "amount": 10, "status": "completed", "ordered_at": "2026-11-02 09:00"})
    assert _report_indexes(before, "shop__orders") == {}
    before.dispose()
    upgraded = make_platform(APP)
    assert len(_report_indexes(upgraded, "shop__orders")) == 1
    assert upgraded.apps["shop"].records.get("orders", order["id"])["amount"] == 10
    upgraded.dispose()
    again = make_platform(WITHOUT_REPORTS)
    assert _report_indexes(again, "shop__orders") == {}    # no data in an index: dropped on its own
    assert again.apps["shop"].records.get("orders", order["id"])["member"] == a


def test_sqlite_answers_a_chart_from_the_index_alone(tmp_path):
    # always on an SQLite file: PostgreSQL picks its plan by the rows it holds (the index itself is
    # checked on both above)
    source = tmp_path / "app.yaml"
    source.write_text(APP, encoding="utf-8")
    platform = Platform.from_files([str(source)], f"sqlite:///{tmp_path / 'plan.db'}",
                                   media_dir=str(tmp_path / "media"))
    inst = platform.apps["shop"]
    fill(inst)
    reports = inst.form.extensions["reports"]
    board = inst.app.reports.dashboards["sales"]
    [name] = _report_indexes(platform, "shop__orders")
    with platform.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        for chart in ("daily", "tiers", "top", "card"):
            sql = str(reports.statement(board.charts[chart], RANGE).compile(
                dialect=inst.form.engine.dialect, compile_kwargs={"literal_binds": True}))
            steps = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            assert any(f"COVERING INDEX {name}" in s for s in steps), (chart, steps)
    platform.dispose()
