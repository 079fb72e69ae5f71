"""The browser tests' parts: the real server (the WSGI app under werkzeug, on a free loopback port,
serving a temporary copy of apps/loyalty.yaml on its own SQLite file), Debian's chromium driven by
Playwright, and a screenshot of every step, kept under test-artifacts/ when a test fails."""
from __future__ import annotations

import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import ADMIN_PASSWORD, ROOT

ARTIFACTS = ROOT / "test-artifacts"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def loyalty_file(tmp_path):
    """A copy of the shipped loyalty app (with its included files) that the test may change."""
    shutil.copy(ROOT / "apps" / "loyalty.yaml", tmp_path / "loyalty.yaml")
    shutil.copytree(ROOT / "apps" / "loyalty", tmp_path / "loyalty")
    return tmp_path / "loyalty.yaml"


@pytest.fixture
def server(loyalty_file, tmp_path):
    """The platform's WSGI app served over HTTP in a thread; yields (base URL, platform)."""
    from runtime.auth import create_user
    from runtime.platform import Platform
    from runtime.webapp import create_app

    platform = Platform.from_files([str(loyalty_file)], f"sqlite:///{tmp_path / 'browser.db'}",
                                   media_dir=str(tmp_path / "media"))
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    httpd = make_server("127.0.0.1", 0, create_app(platform), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", platform
    httpd.shutdown()
    thread.join(timeout=10)
    platform.dispose()


class Steps:
    """Screenshots of the steps of one test, written out only if the test fails."""

    def __init__(self, page):
        self.page, self.shots, self.errors = page, [], []

    def __call__(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))

    def keep(self, test_name: str) -> None:
        folder = ARTIFACTS / _safe(test_name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "console.txt").write_text("\n".join(self.errors), encoding="utf-8")
        for i, (name, png) in enumerate([*self.shots, ("at-failure", self.page.screenshot(full_page=True))], 1):
            (folder / f"{i:02d}-{_safe(name)}.png").write_bytes(png)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


def open_page(chromium, **context_options):
    context = chromium.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(15000)
    steps = Steps(page)
    page.on("pageerror", lambda exc: steps.errors.append(f"page error: {exc}"))
    page.on("console", lambda m: m.type == "error" and steps.errors.append(f"console: {m.text}"))
    return context, page, steps


@pytest.fixture
def browse(chromium, request):
    """browse(**context options) -> (page, steps); screenshots kept when the test fails."""
    opened = []

    def make(**options):
        context, page, steps = open_page(chromium, **options)
        opened.append((context, steps))
        return page, steps

    yield make
    failed = getattr(request.node, "report_call", None)
    for context, steps in opened:
        if failed is not None and failed.failed:
            steps.keep(request.node.name)
        context.close()


def sign_in(page, base: str, username: str = "boss", password: str = ADMIN_PASSWORD) -> None:
    """Sign in through the form; the pages then speak the browser's language (the context's locale)."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
