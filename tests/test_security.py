"""CSRF, API authentication (bearer tokens and sessions), security headers, cookies and the secret key."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from runtime.auth import create_user
from runtime.auth.tokens import create_token, revoke_token
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, csrf_from, sign_in, submit



@pytest.fixture
def platform(two_apps):
    return two_apps


@pytest.fixture
def app(platform):
    return create_app(platform, config={"TESTING": True})


@pytest.fixture
def browser(app, platform):
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    c = app.test_client()
    assert sign_in(c, "boss", ADMIN_PASSWORD).status_code == 303
    return c


def count(platform, app_name, table):
    inst = platform.apps[app_name]
    with inst.form.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(inst.form.sql[table])).scalar_one()


def test_form_post_without_csrf_token_is_refused_and_writes_nothing(browser, platform):
    r = browser.post("/shop/members/new", data={"name": "x"}, headers={"Accept-Language": "en"})
    assert r.status_code == 400 and "The form has expired" in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)
    r = browser.post("/shop/members/new", data={"name": "x", "csrf_token": "forged"})
    assert r.status_code == 400 and "表单已过期" in r.get_data(as_text=True)
    assert count(platform, "shop", "members") == 0
    assert submit(browser, "/shop/members/new", {"name": "x"}).status_code == 303
    assert count(platform, "shop", "members") == 1


def test_login_form_needs_the_csrf_token_too(app, platform):
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    c = app.test_client()
    assert c.post("/login", data={"username": "boss", "password": ADMIN_PASSWORD}).status_code == 400


def test_session_api_writes_need_the_csrf_header(browser, platform):
    r = browser.post("/api/shop/members", json={"name": "x"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf_failed"
    assert count(platform, "shop", "members") == 0
    assert browser.get("/api/shop/members").status_code == 200              # reads need no token
    token = csrf_from(browser.get("/").get_data(as_text=True))
    assert browser.post("/api/shop/members", json={"name": "x"}, headers={"X-CSRFToken": token}).status_code == 201


def test_token_writes_need_no_csrf_on_any_api_route_and_sessions_always_do(app, browser, platform):
    """Every /api/ route, whichever blueprint serves it (records, rule buttons, external events)."""
    token = create_token(platform, "erp", "shop", "clerk")
    erp = app.test_client()
    made = erp.post("/api/shop/members", json={"name": "y"}, headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201
    assert erp.post(f"/api/shop/members/{made.get_json()['id']}/actions/nope",
                    headers={"Authorization": f"Bearer {token}"}).status_code == 404     # reached the view
    r = browser.post(f"/api/shop/members/{made.get_json()['id']}/actions/nope")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf_failed"
    r = browser.post("/api/shop/events/nope", json={})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf_failed"


def test_api_without_credentials_is_401_json(app):
    c = app.test_client()
    for method, url in (("get", "/api/shop/members"), ("post", "/api/shop/members"), ("get", "/api/nope/x")):
        r = getattr(c, method)(url, json={} if method == "post" else None)
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = c.get("/api/shop/members", headers={"Authorization": "Bearer tsr_made-up"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert c.get("/api/shop/members", headers={"Authorization": "Basic Ym9zczpwdw=="}).status_code == 401


def test_bearer_tokens_work_for_their_app_only_until_revoked(app, platform):
    c = app.test_client()
    secret = create_token(platform, "bot", "shop", "clerk")
    auth = {"Authorization": f"Bearer {secret}"}
    r = c.post("/api/shop/members", json={"name": "机器人"}, headers=auth)     # no CSRF needed with a token
    assert r.status_code == 201 and r.get_json()["created_by"] is None
    r = c.get("/api/crm/leads", headers=auth)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    tokens = platform.auth["tokens"]
    with platform.engine.connect() as conn:
        row = conn.execute(sa.select(tokens).where(tokens.c.name == "bot")).one()
    assert row.last_used_at is not None and secret not in (row.token_hash, row.name)
    assert c.get("/shop/members/", headers=auth).status_code == 302            # tokens are for the API only
    revoke_token(platform, "bot")
    assert c.get("/api/shop/members", headers=auth).status_code == 401


def test_openapi_stays_public_and_declares_bearer_auth(app):
    doc = app.test_client().get("/api/shop/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]}
    assert doc["security"] == [{"bearerAuth": []}]


def test_security_headers_on_every_response(app, browser):
    anonymous = app.test_client()
    for resp in (anonymous.get("/login"), anonymous.get("/api/shop/members"), browser.get("/shop/members/"),
                 browser.get("/nope/"), anonymous.get("/static/tessera/tessera.js")):
        h = resp.headers
        assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY"
        assert h["Referrer-Policy"] == "same-origin"
        csp = h["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    page = browser.get("/shop/members/").get_data(as_text=True)
    assert "onsubmit=" not in page and "<script>" not in page and "tessera.js" in page


def test_session_cookie_flags(platform, monkeypatch):
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    r = sign_in(create_app(platform).test_client(), "boss", ADMIN_PASSWORD)
    cookie = r.headers["Set-Cookie"]
    assert "tessera_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    monkeypatch.setenv("TESSERA_SECURE_COOKIES", "1")
    r = sign_in(create_app(platform).test_client(), "boss", ADMIN_PASSWORD)
    assert "Secure" in r.headers["Set-Cookie"]


def test_secret_key_is_stored_once_and_shared(platform, monkeypatch):
    monkeypatch.delenv("TESSERA_SECRET_KEY", raising=False)
    first, second = create_app(platform), create_app(platform)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    settings = platform.auth["settings"]
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(settings.c.value).where(settings.c.key == "secret_key")).scalar_one() \
            == first.secret_key
    # a session made by one worker is good at another
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    c = first.test_client()
    sign_in(c, "boss", ADMIN_PASSWORD)
    cookie = c.get_cookie("tessera_session").value
    other = second.test_client()
    other.set_cookie("tessera_session", cookie)
    assert other.get("/").status_code == 200
    monkeypatch.setenv("TESSERA_SECRET_KEY", "from-the-environment")
    assert create_app(platform).secret_key == "from-the-environment"


def test_a_password_change_signs_out_other_sessions(app, platform, browser):
    """A stolen session stops working once the password is changed (elsewhere or by an admin)."""
    from runtime.auth import set_password
    other = app.test_client()
    sign_in(other, "boss", ADMIN_PASSWORD)
    assert other.get("/").status_code == 200
    set_password(platform, "boss", "a brand new password")
    resp = other.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert browser.get("/api/shop/members").status_code == 401


def test_behind_a_proxy_the_rate_limit_counts_the_clients_address(platform, monkeypatch):
    """With TESSERA_PROXIES=1 the address comes from X-Forwarded-For: one client's failures do not
    lock out everyone behind the same proxy."""
    monkeypatch.setenv("TESSERA_PROXIES", "1")
    create_user(platform, "ann", "ann-password-1")
    client = create_app(platform, config={"TESTING": True}).test_client()
    for _ in range(5):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"csrf_token": token, "username": "mallory", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.9"})
    token = csrf_from(client.get("/login").get_data(as_text=True))
    blocked = client.post("/login", data={"csrf_token": token, "username": "ann", "password": "ann-password-1"},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 429
    token = csrf_from(client.get("/login").get_data(as_text=True))
    other = client.post("/login", data={"csrf_token": token, "username": "ann", "password": "ann-password-1"},
                        headers={"X-Forwarded-For": "198.51.100.7"})
    assert other.status_code == 303
