"""The L12 and M4 pages in a real chromium at a phone's 375 px, over a real HTTP server on loopback:
nothing is wider than the screen, the chart is drawn, a card's button and a checkout form work.

The browser is Debian's /usr/bin/chromium (the shared `chromium` fixture of tests/conftest.py)."""
import re
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT
from tests.test_loyalty_rules import PASSWORD, _loyalty
from tests.test_card_rules import shop  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser        # the SQLite pass only
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def browser(chromium):
    """The shared chromium (tests/conftest.py)."""
    return chromium


def serve(app):
    """The Flask app on a free loopback port, in a thread: (base url, stop)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_L12_my_points_and_the_mall_fit_a_phone_and_the_exchange_button_works(make_platform, browser):
    platform, inst, member, app = _loyalty(make_platform, str(ROOT / "apps" / "loyalty.yaml"))
    inst.records.create("points_ledger", {"member": member["id"], "change": 1000, "reason": "adjustment"})
    inst.records.create("products", {"name": "保温杯（大容量不锈钢，附赠杯套与替换密封圈）", "points_cost": 300, "stock": 5})
    base, stop = serve(app)
    try:
        page = browser.new_page(viewport=PHONE, locale="zh-CN")
        sign_in(page, base, "mia")
        page.goto(f"{base}/loyalty/pages/my_points")
        assert page.inner_text(".stat-card >> nth=0").split() == ["当前积分", "1,000"]
        page.wait_for_selector(".screen-chart .chart .main-svg")          # plotly drew the chart
        assert overflow(page) <= 0
        page.goto(f"{base}/loyalty/pages/points_mall")
        assert overflow(page) <= 0
        button = page.locator(".screen-card button")
        box = button.bounding_box()
        assert box["width"] > 300 and box["height"] >= 44                   # a thumb-sized button
        button.click()
        page.wait_for_url(f"{base}/loyalty/pages/points_mall")
        assert "兑换 ✓" in page.inner_text(".flash")
        assert page.inner_text(".stat-card").split() == ["当前积分", "700"]
    finally:
        stop()


def test_M4_checkout_on_a_phone_finds_the_member_and_records_the_consumption(shop, browser):
    platform, inst, app, store, lily = shop
    card = inst.records.create("cards", {"member": lily["id"]})
    inst.records.create("top_ups", {"card": card["id"], "amount": "300", "store": store["id"]})
    base, stop = serve(app)
    try:
        page = browser.new_page(viewport=PHONE, locale="en-US")
        sign_in(page, base, "zhang")
        page.goto(f"{base}/membership-card/pages/checkout?lang=en")
        page.fill("#screen-q", "139 0000 0001")
        page.click(".search-box button")
        assert "Found: 李丽" in page.inner_text(".search-box")
        page.select_option("#f-card", str(card["id"]))
        page.fill("#f-amount", "88")
        page.select_option("#f-payment_method", "card_balance")
        assert overflow(page) <= 0
        page.click(".screen-form button")
        assert re.search(r"Created: X\d+", page.inner_text(".flash"))
        assert "¥212.00" in page.inner_text(".related-list >> nth=0")   # the card, 300 - 88
        assert overflow(page) <= 0
    finally:
        stop()
    assert inst.records.get("members", lily["id"])["points"] == 108
