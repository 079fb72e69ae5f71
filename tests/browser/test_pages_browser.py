"""The generated pages and a dashboard in chromium: on a phone-sized screen nothing needs sideways
scrolling and the form can be filled and saved; the points cockpit draws its charts from the data."""
from __future__ import annotations

import pytest

from runtime.demo import fill_demo_data
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}
# a phone zooms out a page that is too wide (innerWidth grows with it): compare with the screen's width
FITS = f"() => document.documentElement.scrollWidth <= {PHONE['viewport']['width']}"
OUTSIDE = """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
                  .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > screen.width; })
                  .map(e => e.id || e.name || e.tagName)"""


def test_the_generated_pages_fit_a_phone_and_its_form_saves(server, browse):
    base, platform = server
    fill_demo_data(platform, scale=0.02)
    page, step = browse(**PHONE)
    sign_in(page, base)
    for path in ("/", "/loyalty/", "/loyalty/members/", "/loyalty/orders/"):
        page.goto(base + path)
        step(path)
        assert page.evaluate(FITS), f"{path} scrolls sideways on a phone"
    assert page.locator("table.records tbody tr").count() > 0
    page.click("table.records tbody tr a.row-link >> nth=0")
    page.wait_for_load_state()
    step("a record")
    assert page.evaluate(FITS)

    page.goto(base + "/loyalty/members/new")
    step("the create form")
    assert page.inner_text("h1") == "新建会员"          # the phone's language (zh-CN)
    assert page.evaluate(FITS)
    assert page.evaluate(OUTSIDE, "form.record-form input, form.record-form select, form.record-form textarea") == []
    page.fill("#f-name", "李雷")
    page.fill("#f-phone", "13912345678")
    page.locator("form.record-form button[type=submit]").scroll_into_view_if_needed()
    assert page.locator("form.record-form button[type=submit]").is_visible()
    page.locator("form.record-form button[type=submit]").tap()
    page.wait_for_url(lambda url: "/new" not in url)
    step("saved")
    assert "李雷" in page.inner_text("main") and page.evaluate(FITS)


def test_the_points_cockpit_draws_its_charts(server, browse):
    base, platform = server
    fill_demo_data(platform, scale=0.02)
    page, step = browse(viewport={"width": 1280, "height": 1000}, locale="en-US")
    sign_in(page, base)
    page.goto(base + "/loyalty/dashboards/points_cockpit")
    page.wait_for_selector("#chart-daily .main-svg")
    page.wait_for_selector("#chart-weekly .main-svg")
    step("dashboard drawn")
    assert page.locator("#chart-daily .scatterlayer .trace").count() == 2     # issued and consumed
    assert page.locator("#chart-weekly .barlayer .trace").count() == 3        # issued, consumed, outstanding
    assert page.locator("#chart-weekly .barlayer .point").count() > 0        # the bars hold data
    page.wait_for_selector("#chart-cards .main-svg")
    assert page.locator("#chart-cards .indicatorlayer .trace").count() == 3  # issued, consumed, liability

