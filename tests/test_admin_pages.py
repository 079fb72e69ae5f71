"""The admins' pages for users, roles and API tokens: what `tessera users` and `tessera token` do, in the browser."""
import re

import pytest

from runtime.auth import authenticate, roles_of
from runtime.auth.tokens import list_tokens
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, sign_in, submit


@pytest.fixture
def client(shop_platform, admin_user):
    app = create_app(shop_platform)
    app.config["TESTING"] = True
    c = app.test_client()
    sign_in(c, "boss", ADMIN_PASSWORD)
    return c


def test_admin_adds_a_user_grants_and_revokes_a_role(shop_platform, client):
    resp = submit(client, "/_admin/users", {"username": "ann", "password": "ann-password-1", "display_name": "Ann"},
                  form_url="/_admin/users")
    assert resp.status_code == 303
    assert authenticate(shop_platform, "ann", "ann-password-1") is not None
    role = shop_platform.apps["shop"].app.roles[0]
    submit(client, "/_admin/users/ann/roles", {"role": f"shop:{role}"}, form_url="/_admin/users")
    assert roles_of(shop_platform, "ann", "shop") == {role}
    page = client.get("/_admin/users").get_data(as_text=True)
    assert f"shop:{role}" in page
    submit(client, "/_admin/users/ann/roles", {"role": f"shop:{role}", "action": "revoke"}, form_url="/_admin/users")
    assert roles_of(shop_platform, "ann", "shop") == set()


def test_refusals_are_shown_not_raised(shop_platform, client):
    resp = submit(client, "/_admin/users", {"username": "bob", "password": "short"}, form_url="/_admin/users",
                  follow_redirects=True)
    assert resp.status_code == 200 and "at least 8 characters" in resp.get_data(as_text=True)
    assert authenticate(shop_platform, "bob", "short") is None
    resp = submit(client, "/_admin/users/boss/roles", {"role": "shop:no_such_role"}, form_url="/_admin/users",
                  follow_redirects=True)
    assert "no_such_role" in resp.get_data(as_text=True)


def test_disable_and_reset_password(shop_platform, client):
    submit(client, "/_admin/users", {"username": "cat", "password": "cat-password-1"}, form_url="/_admin/users")
    submit(client, "/_admin/users/cat/active", {"active": "0"}, form_url="/_admin/users")
    assert authenticate(shop_platform, "cat", "cat-password-1") is None
    submit(client, "/_admin/users/cat/active", {"active": "1"}, form_url="/_admin/users")
    submit(client, "/_admin/users/cat/password", {"password": "new-password-9"}, form_url="/_admin/users")
    assert authenticate(shop_platform, "cat", "new-password-9") is not None
    # an admin cannot lock themselves out
    submit(client, "/_admin/users/boss/active", {"active": "0"}, form_url="/_admin/users")
    assert authenticate(shop_platform, "boss", ADMIN_PASSWORD) is not None


def test_token_is_shown_once_and_works_until_revoked(shop_platform, client):
    role = shop_platform.apps["shop"].app.roles[0]
    resp = submit(client, "/_admin/tokens", {"name": "pos-1", "role": f"shop:{role}"}, form_url="/_admin/tokens")
    assert resp.status_code == 200
    secret = re.search(r'id="token-secret">([^<]+)<', resp.get_data(as_text=True)).group(1)
    assert secret not in client.get("/_admin/tokens").get_data(as_text=True)       # never shown again
    assert [t["name"] for t in list_tokens(shop_platform)] == ["pos-1"]
    anon = client.application.test_client()
    ok = anon.get("/api/shop/members", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    submit(client, "/_admin/tokens/pos-1/revoke", {}, form_url="/_admin/tokens")
    assert anon.get("/api/shop/members", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_duplicate_token_name_is_refused_on_the_page(shop_platform, client):
    role = shop_platform.apps["shop"].app.roles[0]
    submit(client, "/_admin/tokens", {"name": "pos-1", "role": f"shop:{role}"}, form_url="/_admin/tokens")
    again = submit(client, "/_admin/tokens", {"name": "pos-1", "role": f"shop:{role}"}, form_url="/_admin/tokens")
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


def test_only_admins_may_open_them(shop_platform, admin_user):
    from runtime.auth import create_user, grant
    create_user(shop_platform, "staff", "staff-password-1")
    grant(shop_platform, "staff", "shop", shop_platform.apps["shop"].app.roles[0])
    c = create_app(shop_platform).test_client()
    sign_in(c, "staff", "staff-password-1")
    assert c.get("/_admin/users").status_code == 403
    assert c.get("/_admin/tokens").status_code == 403
    assert c.post("/_admin/users", data={"username": "x", "password": "long-enough-1"}).status_code in (400, 403)
    assert authenticate(shop_platform, "x", "long-enough-1") is None
