"""Users, passwords, roles per app, sign-in pages and the `tessera users` / `tessera token` commands."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from runtime.auth import AccountError, authenticate, create_user, grant, revoke, roles_of, set_password
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, SHOP, csrf_from, sign_in, submit

TESSERA = str(Path(sys.executable).parent / "tessera")


@pytest.fixture
def client(two_apps):
    return create_app(two_apps, config={"TESTING": True}).test_client()


def test_password_is_stored_as_a_scrypt_hash(two_apps):
    user_id = create_user(two_apps, "ann", "s3cret-pass")
    accounts = two_apps.auth["accounts"]
    with two_apps.engine.connect() as conn:
        stored = conn.execute(sa.select(accounts.c.password_hash).where(accounts.c.user_id == user_id)).scalar_one()
    assert "s3cret-pass" not in stored and stored.startswith("scrypt:")
    assert authenticate(two_apps, "ann", "s3cret-pass").id == user_id
    assert authenticate(two_apps, "ann", "wrong-pass") is None
    assert authenticate(two_apps, "nobody", "s3cret-pass") is None
    set_password(two_apps, "ann", "another-pass")
    assert authenticate(two_apps, "ann", "s3cret-pass") is None and authenticate(two_apps, "ann", "another-pass")


def test_short_passwords_duplicates_and_unknown_roles_are_refused(two_apps):
    with pytest.raises(AccountError, match="at least 8"):
        create_user(two_apps, "ann", "short")
    create_user(two_apps, "ann", "long-enough")
    with pytest.raises(AccountError, match="already exists"):
        create_user(two_apps, "ann", "long-enough")
    with pytest.raises(AccountError, match="'boss' is not a role of app 'shop'; its roles are: manager, clerk"):
        grant(two_apps, "ann", "shop", "boss")
    with pytest.raises(AccountError, match="unknown app 'nope'"):
        grant(two_apps, "ann", "nope", "clerk")
    grant(two_apps, "ann", "shop", "clerk")
    grant(two_apps, "ann", "shop", "clerk")     # twice is the same as once
    assert roles_of(two_apps, "ann", "shop") == {"clerk"} and roles_of(two_apps, "ann", "crm") == set()
    revoke(two_apps, "ann", "shop", "clerk")
    assert roles_of(two_apps, "ann", "shop") == set()
    with pytest.raises(AccountError, match="does not hold"):
        revoke(two_apps, "ann", "shop", "clerk")


def test_pages_need_a_signed_in_user(client, two_apps):
    r = client.get("/shop/members/?q=x")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/shop/members/?q%3Dx"
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200
    assert client.get("/static/tessera/tessera.css").status_code == 200
    create_user(two_apps, "boss", ADMIN_PASSWORD, is_admin=True)
    r = sign_in(client, "boss", ADMIN_PASSWORD, next_url="/shop/members/?q=x")
    assert r.status_code == 303 and r.headers["Location"] == "/shop/members/?q=x"
    page = client.get("/").get_data(as_text=True)
    assert "boss" in page and "退出登录" in page and "小店" in page and "客户管理" in page   # admins see every app


def test_next_must_be_local(client, two_apps):
    create_user(two_apps, "boss", ADMIN_PASSWORD, is_admin=True)
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = sign_in(client, "boss", ADMIN_PASSWORD, next_url=evil)
        assert r.headers["Location"] == "/"
        submit(client, "/logout", form_url="/")


def test_wrong_password_is_refused(client, two_apps):
    create_user(two_apps, "ann", "right-password")
    r = sign_in(client, "ann", "wrong-password")
    assert r.status_code == 401 and "用户名或密码不正确" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302          # still not signed in


def test_sign_in_is_rate_limited_per_username_and_per_ip(client, two_apps):
    create_user(two_apps, "ann", "right-password")
    for _ in range(5):
        assert sign_in(client, "ann", "wrong-password").status_code == 401
    r = sign_in(client, "ann", "right-password")              # even the right password, for 15 minutes
    assert r.status_code == 429 and "15" in r.get_data(as_text=True)
    # the same IP address is refused for other usernames too
    create_user(two_apps, "bob", "right-password")
    assert sign_in(client, "bob", "right-password").status_code == 429
    # another address may still sign in as bob, but not as ann
    other = create_app(two_apps, config={"TESTING": True}).test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert sign_in(other, "ann", "right-password").status_code == 429
    assert sign_in(other, "bob", "right-password").status_code == 303


def test_non_admin_sees_only_the_apps_where_they_hold_a_role(client, two_apps):
    create_user(two_apps, "clerk", "clerk-password")
    grant(two_apps, "clerk", "shop", "clerk")
    assert sign_in(client, "clerk", "clerk-password").status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "小店" in home and "客户管理" not in home and 'href="/crm/"' not in home
    assert client.get("/shop/members/").status_code == 200
    r = client.get("/crm/leads/?lang=en")
    assert r.status_code == 403 and "no access to this app" in r.get_data(as_text=True)
    assert client.get("/crm/").status_code == 403
    r = client.get("/api/crm/leads")
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/shop/members").status_code == 200


def test_sign_out(client, two_apps):
    create_user(two_apps, "boss", ADMIN_PASSWORD, is_admin=True)
    sign_in(client, "boss", ADMIN_PASSWORD)
    r = submit(client, "/logout", form_url="/")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_writes_record_the_signed_in_user(client, two_apps):
    user_id = create_user(two_apps, "boss", ADMIN_PASSWORD, is_admin=True)
    sign_in(client, "boss", ADMIN_PASSWORD)
    r = submit(client, "/shop/members/new", {"name": "王小明"})
    assert r.status_code == 303
    record_id = int(r.headers["Location"].rsplit("/", 1)[1])
    member = two_apps.apps["shop"].records.get("members", record_id)
    assert member["created_by"] == user_id and member["updated_by"] == user_id
    token = csrf_from(client.get("/").get_data(as_text=True))
    r = client.patch(f"/api/shop/members/{record_id}", json={"tier": "vip"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_json()["updated_by"] == user_id


# -- the real `tessera` commands -------------------------------------------------------------------
@pytest.fixture
def cli(tmp_path, db_url):
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "shop.yaml").write_text(SHOP, encoding="utf-8")

    def run(*args, input=None):
        return subprocess.run([TESSERA, *args, "--db", db_url], capture_output=True, text=True, input=input,
                              cwd=tmp_path, timeout=120)
    return run


def test_cli_users_and_tokens(cli, make_platform, tmp_path):
    r = cli("users", "add", "ann", "--password", "short")
    assert r.returncode == 1 and r.stderr.strip() == "error: the password must be at least 8 characters long"
    r = cli("users", "add", "ann", input="ann-password\nann-password\n")      # asked for, hidden
    assert r.returncode == 0, r.stderr
    assert cli("users", "add", "boss", "--admin", "--password", "boss-password").returncode == 0
    r = cli("users", "add", "ann", "--password", "whatever-1")
    assert r.returncode == 1 and "already exists" in r.stderr and "Traceback" not in r.stderr
    assert cli("users", "grant", "ann", "shop", "clerk").returncode == 0
    r = cli("users", "grant", "ann", "shop", "owner")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "its roles are: manager, clerk" in r.stderr
    r = cli("users", "grant", "nobody", "shop", "clerk")
    assert r.returncode == 1 and r.stderr.strip() == "error: no user 'nobody'"
    listing = cli("users", "list").stdout
    assert "ann: shop:clerk" in listing and "boss (admin): -" in listing
    assert cli("users", "passwd", "ann", "--password", "new-ann-password").returncode == 0
    assert cli("users", "revoke", "ann", "shop", "clerk").returncode == 0

    made = cli("token", "create", "shop-bot", "--app", "shop", "--role", "manager")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("tsr_") and "not shown again" in made.stderr
    assert cli("token", "create", "bad", "--app", "shop", "--role", "owner").returncode == 1
    listing = cli("token", "list").stdout
    assert "shop-bot: app shop, role manager, active" in listing and secret not in listing

    platform = make_platform(str(tmp_path / "apps" / "shop.yaml"))
    assert authenticate(platform, "ann", "new-ann-password") and roles_of(platform, "ann", "shop") == set()
    api = create_app(platform).test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/shop/members", headers=auth).status_code == 200
    r = cli("token", "revoke", "shop-bot")
    assert r.returncode == 0
    assert api.get("/api/shop/members", headers=auth).status_code == 401
    assert cli("token", "revoke", "shop-bot").returncode == 1
    assert "revoked" in cli("token", "list").stdout
