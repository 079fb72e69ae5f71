"""Dashboards on the web: who may open them, the JSON API, CSV and XLSX downloads, the cache."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from runtime.auth import create_user, grant
from runtime.webapp import create_app
from tests.conftest import sign_in
from tests.report_fixture import APP, ARGS, fill

PASSWORD = "correct horse battery"


@pytest.fixture
def site(make_platform):
    platform = make_platform(APP)
    fill(platform.apps["shop"])
    create_user(platform, "boss", PASSWORD, is_admin=True)
    create_user(platform, "mia", PASSWORD)
    grant(platform, "mia", "shop", "manager")
    create_user(platform, "carl", PASSWORD)
    grant(platform, "carl", "shop", "clerk")
    app = create_app(platform, config={"TESTING": True})
    return platform, app


def client_for(app, who):
    client = app.test_client()
    sign_in(client, who, PASSWORD)
    return client


def test_page_lists_charts_and_serves_plotly_offline(site):
    _, app = site
    client = client_for(app, "mia")
    page = client.get(f"/shop/dashboards/sales?{ARGS}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/report/plotly.min.js" in html and 'data-refresh="60"' in html
    assert html.count('class="chart-card"') == 11
    js = client.get("/static/report/plotly.min.js")
    assert js.status_code == 200 and b"plotly" in js.data[:2000].lower()
    assert "sales" in client.get("/shop/dashboards/").get_data(as_text=True)


def test_the_page_speaks_the_viewers_language_from_the_catalog(site):
    _, app = site
    client = client_for(app, "mia")
    zh = client.get(f"/shop/dashboards/sales?{ARGS}&lang=zh").get_data(as_text=True)
    assert "日期范围" in zh and "每 60 秒自动刷新" in zh and "全部日期" in zh and "加载中…" in zh
    en = client.get(f"/shop/dashboards/sales?{ARGS}&lang=en").get_data(as_text=True)
    assert "Date range" in en and "Refreshes every 60 s" in en and "All dates" in en
    grid = client.get(f"/api/shop/dashboards/sales/charts/grid?{ARGS}&lang=zh").get_json()
    assert grid["rows"][-1][0] == "all" and "合计" in str(grid["figure"])


def test_a_chart_with_nothing_in_its_range_says_so(site):
    _, app = site
    client = client_for(app, "mia")
    empty = client.get("/api/shop/dashboards/sales/charts/tiers?from=2025-01-01&to=2025-01-31&lang=en").get_json()
    assert empty["rows"] == [] and empty["empty"] == "Nothing to show for this range and these filters."
    full = client.get(f"/api/shop/dashboards/sales/charts/tiers?{ARGS}&lang=zh").get_json()
    assert full["rows"] and full["empty"] is None
    zh = client.get("/api/shop/dashboards/sales/charts/tiers?from=2025-01-01&to=2025-01-31&lang=zh").get_json()
    assert zh["empty"] == "这个日期范围和筛选条件下没有数据。"


def test_roles_not_named_get_404_and_no_listing(site):
    _, app = site
    carl = client_for(app, "carl")
    assert carl.get("/shop/dashboards/sales").status_code == 404
    assert carl.get("/api/shop/dashboards/sales").status_code == 404
    assert carl.get("/shop/dashboards/sales/charts/tiers.csv").status_code == 404
    assert "/shop/dashboards/sales" not in carl.get("/shop/dashboards/").get_data(as_text=True)
    assert client_for(app, "boss").get("/api/shop/dashboards/sales").status_code == 200
    # the app's home links to the dashboards only for those who may open one
    assert 'href="/shop/dashboards/"' not in carl.get("/shop/").get_data(as_text=True)
    assert 'href="/shop/dashboards/"' in client_for(app, "mia").get("/shop/").get_data(as_text=True)


def test_api_gives_figures_and_rows(site):
    _, app = site
    body = client_for(app, "mia").get(f"/api/shop/dashboards/sales?{ARGS}").get_json()
    assert set(body["charts"]) >= {"daily", "tiers", "grid", "steps"}
    tiers = body["charts"]["tiers"]
    assert tiers["rows"] == [["vip", 370], ["normal", 30]]
    assert tiers["figure"]["data"][0]["type"] == "pie"
    one = client_for(app, "mia").get(f"/api/shop/dashboards/sales/charts/top?{ARGS}&lang=en").get_json()
    assert one["rows"] == [["C", 200, 1], ["A", 170, 3]]


def test_bad_input_is_a_clear_400_or_404(site):
    _, app = site
    client = client_for(app, "mia")
    r = client.get("/api/shop/dashboards/sales/charts/top?from=2026-13-01")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_json()["error"]["message"]
    assert client.get("/api/shop/dashboards/sales/charts/nope").status_code == 404
    assert client.get("/api/shop/dashboards/nope").status_code == 404
    assert client.get("/shop/dashboards/sales/charts/top.pdf").status_code == 404
    assert client.get("/api/shop/dashboards/sales/charts/top?range=forever").status_code == 400
    r = client.get("/api/shop/dashboards/sales/charts/daily?from=2020-01-01&to=2026-01-01")
    assert r.status_code == 400 and "shorter range" in r.get_json()["error"]["message"]
    assert client.get("/api/shop/dashboards/sales?from=2020-01-01").status_code == 400
    assert client.get("/shop/dashboards/sales/charts/daily.csv?from=2020-01-01").status_code == 400
    assert client.get("/api/shop/dashboards/sales/charts/tiers?from=2026-02-01&to=2026-01-01").status_code == 400


def test_a_dashboard_parameter_narrows_the_rows_and_a_bad_one_is_a_400(site):
    _, app = site
    client = client_for(app, "mia")
    url = f"/api/shop/dashboards/sales/charts/tiers?{ARGS}"
    assert client.get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]        # left empty: all
    assert client.get(url + "&p.min_amount=100").get_json()["rows"] == [["vip", 300]]  # A's 100 and C's 200
    bad = client.get(url + "&p.min_amount=lots")
    assert bad.status_code == 400 and "min_amount" in bad.get_json()["error"]["message"]
    page = client.get(f"/shop/dashboards/sales?{ARGS}&p.min_amount=100&lang=en").get_data(as_text=True)
    assert "Minimum amount" in page and 'name="p.min_amount" value="100"' in page


def test_csv_download(site):
    _, app = site
    r = client_for(app, "mia").get(f"/shop/dashboards/sales/charts/top.csv?{ARGS}&lang=en")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows == [["member", "Sales", "n"], ["C", "200", "1"], ["A", "170", "3"]]
    # column titles in the viewer's language: a time bucket, a region's part
    zh = client_for(app, "mia").get(f"/shop/dashboards/sales/charts/daily.csv?{ARGS}&lang=zh")
    assert zh.data.decode("utf-8-sig").splitlines()[0] == "日,销售额,cum"
    where = client_for(app, "mia").get(f"/shop/dashboards/sales/charts/where.csv?{ARGS}&lang=zh")
    assert where.data.decode("utf-8-sig").splitlines()[:2] == ["region（省）,n", "广东省,4"]


def test_xlsx_download(site):
    _, app = site
    r = client_for(app, "mia").get(f"/shop/dashboards/sales/charts/daily.xlsx?{ARGS}&lang=en")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["Day", "Sales", "cum"]
    assert cells[1] == ["2026-11-02", 150, 190] and cells[-1] == ["2026-11-11", 20, 440]
    assert len(cells) == 11


def test_global_filter_from_the_query_string(site):
    _, app = site
    body = client_for(app, "mia").get(f"/api/shop/dashboards/sales/charts/tiers?{ARGS}&f.tier=normal").get_json()
    assert body["rows"] == [["normal", 30]]
    nothing = client_for(app, "mia").get(f"/api/shop/dashboards/sales/charts/tiers?{ARGS}&f.tier=gold").get_json()
    assert nothing["rows"] == []


def test_cache_is_dropped_when_a_source_table_is_written(site):
    platform, app = site
    inst = platform.apps["shop"]
    client = client_for(app, "mia")
    url = f"/api/shop/dashboards/sales/charts/tiers?{ARGS}"
    assert client.get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]
    cache = inst.form.extensions["reports"].cache
    assert len(cache) >= 1
    with inst.form.engine.begin() as conn:       # behind the record service's back: the cache does not know
        conn.execute(inst.form.sql["orders"].update().values(amount=0))
    assert client.get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]     # served from the cache
    inst.records.create("orders", {"member": 2, "amount": 5, "status": "completed",
                                   "ordered_at": "2026-11-03 10:00"})
    assert client.get(url).get_json()["rows"] == [["normal", 5], ["vip", 0]]


def test_a_write_another_server_process_made_shows_within_the_cache_age(site):
    """Several gunicorn workers each keep a cache: a write through another one is not heard here, so
    results are kept `max_age` seconds at most."""
    platform, app = site
    inst = platform.apps["shop"]
    cache = inst.form.extensions["reports"].cache
    now = [1000.0]
    cache.clock = lambda: now[0]
    client = client_for(app, "mia")
    url = f"/api/shop/dashboards/sales/charts/tiers?{ARGS}"
    assert client.get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]
    with inst.form.engine.begin() as conn:       # as another process would: this cache hears nothing
        conn.execute(inst.form.sql["orders"].update().values(amount=1))
    now[0] += cache.max_age - 1
    assert client.get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]
    now[0] += 2
    assert client.get(url).get_json()["rows"] != [["vip", 370], ["normal", 30]]


def test_charts_count_only_the_rows_the_viewer_may_read(make_platform):
    text = APP.replace("""  orders:
    fields:""", """  orders:
    permissions:
      manager: all
      clerk: {read: "record.member.tier == 'normal'"}
    fields:""", 1).replace("    roles: [manager]\n", "    roles: [manager, clerk]\n", 1)
    platform = make_platform(text)
    fill(platform.apps["shop"])
    for name, role in (("mia", "manager"), ("carl", "clerk")):
        create_user(platform, name, PASSWORD)
        grant(platform, name, "shop", role)
    app = create_app(platform, config={"TESTING": True})
    url = f"/api/shop/dashboards/sales/charts/tiers?{ARGS}"
    assert client_for(app, "mia").get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]
    assert client_for(app, "carl").get(url).get_json()["rows"] == [["normal", 30]]
    assert client_for(app, "mia").get(url).get_json()["rows"] == [["vip", 370], ["normal", 30]]   # cache per filter
