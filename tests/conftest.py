"""Shared fixtures. Set TESSERA_TEST_DATABASE_URL=postgresql://... to run the suite on PostgreSQL."""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker wipes and fills a database of its own (`test_gw0`, ...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    made = sa.engine.make_url(url)
    return made.set(database=f"{made.database}_{worker}").render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("TESSERA_TEST_DATABASE_URL", ""))


def pytest_configure(config):
    """Create this worker's own PostgreSQL database the first time it is needed."""
    if not PG_URL or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    mine = sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg")
    base = sa.engine.make_url(os.environ["TESSERA_TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (mine.database,)).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{mine.database}"')
    engine.dispose()


@pytest.fixture
def db_url(tmp_path):
    """A fresh, empty database: an SQLite file, or the PostgreSQL test database wiped clean."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'tessera.db'}"
        return
    url = sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    _wipe(engine)
    yield url.render_as_string(hide_password=False)
    _wipe(engine)
    engine.dispose()


def _wipe(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture
def make_platform(db_url, tmp_path):
    """make_platform(yaml_text_or_paths...) -> Platform with tables created."""
    from runtime.platform import Platform

    made = []

    def make(*sources):
        paths = []
        for i, src in enumerate(sources):
            if isinstance(src, str) and "\n" in src:
                p = tmp_path / f"app{i}.yaml"
                p.write_text(src, encoding="utf-8")
                paths.append(str(p))
            else:
                paths.append(str(src))
        platform = Platform.from_files(paths, db_url, media_dir=str(tmp_path / "media"))
        made.append(platform)
        return platform

    yield make
    for p in made:
        p.dispose()


SHOP = """
app: shop
title: {zh: 小店, en: Shop}
roles: [manager, clerk]
tables:
  members:
    label: {zh: 会员, en: Members}
    title_field: name
    fields:
      name: {type: text, required: true, max_length: 20, label: {zh: 姓名, en: Name}}
      phone: {type: phone, unique: true}
      tier: {type: select, options: [normal, vip], default: normal}
      points: {type: integer, default: 0, min: 0}
      birthday: {type: date}
  orders:
    title_field: order_no
    fields:
      order_no: {type: text, unique: true, required: true}
      member: {type: link, table: members, required: true}
      amount: {type: money, min: 0}
      status: {type: select, options: [pending, completed], default: pending}
"""


CRM = """
app: crm
title: {zh: 客户管理, en: CRM}
roles: [sales]
tables:
  leads:
    fields:
      name: {type: text, required: true}
"""


@pytest.fixture
def two_apps(make_platform):
    """The shop and a second app (crm), for checks that one app's users and tokens stay out of the other."""
    return make_platform(SHOP, CRM)


@pytest.fixture
def shop_platform(make_platform):
    return make_platform(SHOP)


@pytest.fixture
def shop(shop_platform):
    return shop_platform.apps["shop"]


ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture
def admin_user(shop_platform):
    """An administrator (created through runtime.auth, as the CLI does) of the conftest shop platform."""
    from runtime.auth import create_user
    return create_user(shop_platform, "boss", ADMIN_PASSWORD, is_admin=True)


def csrf_from(page: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return html.unescape(found.group(1))


def sign_in(client, username: str, password: str, next_url: str = "/"):
    """Sign in through the real /login form (fetch it, take its CSRF token, post it)."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                       "next": next_url})


def submit(client, url: str, data: dict | None = None, form_url: str | None = None, **kw):
    """Post a form as a browser would: fetch the page with the form (`form_url`, default `url`),
    take its CSRF token and send it with `data`."""
    token = csrf_from(client.get(form_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kw)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium under Playwright, one per test process: every browser test shares it (two
    Playwright sessions in one process collide on its event loop)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: `make install` installs it (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


def pytest_sessionfinish(session, exitstatus):
    """In CI (TESSERA_NO_SKIPS=1) a skipped test is a failure: the real parts must be there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("TESSERA_NO_SKIPS") and reporter and reporter.stats.get("skipped"):
        reporter.write_line(f"{len(reporter.stats['skipped'])} test(s) skipped, and TESSERA_NO_SKIPS is set: failing",
                            red=True)
        session.exitstatus = 1
