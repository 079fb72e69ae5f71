"""A dashboard in a real chromium (Playwright): plotly draws the charts from the page's own script
(no inline script, plotly.js from the plotly package), the page redraws itself every `refresh:`
seconds, so a record written meanwhile shows without a reload, and an empty chart says so."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from runtime.auth import create_user, grant
from runtime.webapp import create_app
from tests.report_fixture import APP, ARGS, fill

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.browser        # the SQLite pass only, as tests/browser/


@pytest.fixture
def served(make_platform):
    platform = make_platform(APP.replace("refresh: 60", "refresh: 10"))     # the shortest refresh allowed
    fill(platform.apps["shop"])
    create_user(platform, "mia", PASSWORD)
    grant(platform, "mia", "shop", "manager")
    server = make_server("127.0.0.1", 0, create_app(platform), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield platform, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(served, chromium):
    context = chromium.new_context()
    pg = context.new_page()
    pg.problems = []
    # script errors, blocked scripts, failed requests (the platform has no favicon: not ours)
    pg.on("console", lambda m: pg.problems.append(m.text)
          if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("response", lambda r: pg.problems.append(f"{r.status} {r.url}")
          if r.status >= 400 and "favicon.ico" not in r.url else None)
    yield pg
    context.close()


def sign_in(page, base):
    page.goto(f"{base}/login")
    page.fill("#username", "mia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def pie_values(page):
    return page.evaluate("() => { const el = document.getElementById('chart-tiers');"
                         " return el.data ? Array.from(el.data[0].values) : null; }")


def test_charts_draw_and_redraw_with_a_new_record_without_a_reload(served, page):
    platform, base = served
    sign_in(page, base)
    page.goto(f"{base}/shop/dashboards/sales?{ARGS}&lang=en")
    page.wait_for_function("() => document.querySelectorAll('.chart .main-svg').length >= 11", timeout=20000)
    assert pie_values(page) == [370, 30]
    page.hover("#chart-daily .main-svg")                       # plotly is live, not a picture
    platform.apps["shop"].records.create("orders", {"member": 2, "amount": 5, "status": "completed",
                                                   "ordered_at": "2026-11-03 10:00"})
    page.evaluate("() => { window.__same_page = true; }")
    page.wait_for_function("() => { const el = document.getElementById('chart-tiers');"
                           " return el.data && el.data[0].values[1] === 35; }", timeout=25000)
    assert page.evaluate("() => window.__same_page") is True  # redrawn in place: the page did not reload
    assert page.problems == []                                 # no script error, no blocked script


def test_a_chart_with_nothing_in_the_range_says_so(served, page):
    _, base = served
    sign_in(page, base)
    page.goto(f"{base}/shop/dashboards/sales?from=2025-01-01&to=2025-01-31&lang=zh")
    page.wait_for_function("() => document.getElementById('chart-tiers').textContent.includes('没有数据')",
                           timeout=20000)
    assert page.inner_text("#chart-tiers") == "这个日期范围和筛选条件下没有数据。"
    assert page.problems == []
