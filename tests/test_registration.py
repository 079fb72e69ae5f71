"""Self sign-up (M4): a member opens a card online; the user, their role and their record come together."""
import pytest
import sqlalchemy as sa

from runtime.auth import authenticate, roles_of
from runtime.webapp import create_app
from tests.conftest import ROOT, csrf_from, submit


@pytest.fixture
def card(make_platform):
    return make_platform(str(ROOT / "apps" / "membership-card.yaml"))


@pytest.fixture
def client(card):
    app = create_app(card)
    app.config["TESTING"] = True
    return app.test_client()


def _users(platform) -> int:
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(platform.system["users"])).scalar_one()


def test_M4_member_opens_a_card_online(card, client):
    page = client.get("/membership-card/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="phone"' in html and 'name="username"' in html and 'name="tier"' not in html
    resp = submit(client, "/membership-card/register",
                  {"username": "lily", "password": "lily-secret-1", "password2": "lily-secret-1",
                   "name": "李丽", "phone": "13912345678", "birthday": "1995-04-01", "tier": "gold"})
    assert resp.status_code == 303
    user = authenticate(card, "lily", "lily-secret-1")
    assert user is not None and roles_of(card, "lily", "membership-card") == {"member"}
    members = card.apps["membership-card"].records
    page_of_me = client.get(resp.headers["Location"])           # signed in, on their own record
    assert page_of_me.status_code == 200 and "李丽" in page_of_me.get_data(as_text=True)
    member_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    me = members.get("members", member_id)
    assert me["account"] == user.id and me["channel"] == "online" and me["tier"] == "normal"   # tier not settable
    # and they see only themselves
    body = client.get("/api/membership-card/members").get_json()
    assert [m["id"] for m in body["data"]] == [member_id]


def test_signup_errors_are_shown_at_their_fields_and_nothing_is_created(card, client):
    before = _users(card)
    resp = submit(client, "/membership-card/register",
                  {"username": "has space", "password": "short", "password2": "short",
                   "name": "", "phone": "12"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for field in ("username", "password", "name", "phone"):
        assert f'id="field-{field}"' in html
        assert f'{field}-error' in html, field
    assert _users(card) == before


def test_a_record_refused_after_the_account_checks_leaves_no_account(card, client):
    card.apps["membership-card"].records.create("members", {"name": "Old", "phone": "13912345678"})
    resp = submit(client, "/membership-card/register",
                  {"username": "newbie", "password": "long-enough-1", "password2": "long-enough-1",
                   "name": "New", "phone": "13912345678"})
    assert resp.status_code == 422 and "phone-error" in resp.get_data(as_text=True)
    assert authenticate(card, "newbie", "long-enough-1") is None


def test_a_taken_username_and_differing_passwords_are_refused(card, client):
    ok = {"username": "ann", "password": "long-enough-1", "password2": "long-enough-1", "name": "Ann",
          "phone": "13912345670"}
    assert submit(client, "/membership-card/register", ok).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    again = submit(client, "/membership-card/register", {**ok, "phone": "13912345671"})
    assert again.status_code == 422 and "username-error" in again.get_data(as_text=True)
    differ = submit(client, "/membership-card/register", {**ok, "username": "bob", "password2": "other-pass-1"})
    assert differ.status_code == 422 and "password2-error" in differ.get_data(as_text=True)


def test_apps_without_registration_offer_no_signup(make_platform):
    platform = make_platform("app: closed\ntables:\n  t:\n    fields:\n      a: {type: text}\n")
    client = create_app(platform).test_client()
    assert client.get("/closed/register").status_code == 404
    assert "/register" not in client.get("/login").get_data(as_text=True)


def test_login_page_links_to_signup(client):
    assert "/membership-card/register" in client.get("/login").get_data(as_text=True)
