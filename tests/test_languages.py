"""The UI language: chosen by Flask-Babel's selector from the user's saved setting, ?lang=, the cookie,
Accept-Language (in that order); saved by the header's switch and the "my account" page; and the
gettext catalog that holds the Chinese, complete and compiled."""
from __future__ import annotations

import re
import string

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import get_locale

from engines.form.i18n import CATALOG_DIR
from engines.form.ui_text import TEXT
from engines.form.web import current_lang
from runtime.auth import create_user
from runtime.auth.accounts import authenticate, load_principal
from runtime.auth.self_service import set_language
from runtime.platform import Platform
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, SHOP, csrf_from, sign_in

PO = CATALOG_DIR / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def app(shop_platform):
    return create_app(shop_platform, config={"TESTING": True})


@pytest.fixture
def boss(shop_platform):
    return create_user(shop_platform, "boss", ADMIN_PASSWORD, is_admin=True)


@pytest.fixture
def client(app, boss):
    c = app.test_client()
    assert sign_in(c, "boss", ADMIN_PASSWORD).status_code == 303
    return c


def lang_of_page(resp) -> str:
    """The language a page was drawn in: its <html lang> and a fixed word in that language agree."""
    page = resp.get_data(as_text=True)
    found = re.search(r'<html lang="([^"]+)"', page).group(1)
    if found == "en":
        assert "Sign out" in page or "Sign in" in page
        return "en"
    assert found == "zh-CN" and ("退出登录" in page or "登录" in page)
    return "zh"


# -- the choice -------------------------------------------------------------------------------------
def test_the_browser_chooses_when_nothing_else_does(client):
    assert lang_of_page(client.get("/", headers=EN)) == "en"
    assert lang_of_page(client.get("/", headers=ZH)) == "zh"
    assert lang_of_page(client.get("/", headers={"Accept-Language": "fr-FR, en;q=0.5"})) == "en"
    assert lang_of_page(client.get("/")) == "zh"                                    # nothing said: Chinese
    assert lang_of_page(client.get("/", headers={"Accept-Language": "fr-FR"})) == "zh"


def test_lang_parameter_beats_the_browser_and_is_kept_in_a_cookie(client):
    r = client.get("/?lang=en", headers=ZH)
    assert lang_of_page(r) == "en" and "lang=en" in r.headers["Set-Cookie"]
    assert lang_of_page(client.get("/", headers=ZH)) == "en"                        # the cookie now
    assert lang_of_page(client.get("/?lang=zh", headers=EN)) == "zh"


def test_the_cookie_beats_the_browser(client):
    client.set_cookie("lang", "en")
    assert lang_of_page(client.get("/shop/members/", headers=ZH)) == "en"
    client.set_cookie("lang", "xx")                                                 # not a language: ignored
    assert lang_of_page(client.get("/shop/members/", headers=EN)) == "en"
    assert lang_of_page(client.get("/shop/members/", headers=ZH)) == "zh"


def test_the_users_saved_language_beats_everything_else(client, shop_platform, boss):
    set_language(shop_platform, boss, "en")
    client.set_cookie("lang", "zh")
    for url in ("/", "/shop/members/", "/shop/members/?lang=zh", "/_account"):
        assert lang_of_page(client.get(url, headers=ZH)) == "en", url
    r = client.get("/api/shop/members/999", headers=ZH)                             # API messages too
    assert r.status_code == 404 and r.get_json()["error"]["message"].isascii()
    r = client.post("/_account/language", data={"language": "zh"}, headers=ZH)     # no CSRF token: refused
    assert r.status_code == 400 and "The form has expired" in r.get_data(as_text=True)
    set_language(shop_platform, boss, None)                                         # follow the browser again
    client.delete_cookie("lang")
    assert lang_of_page(client.get("/", headers=ZH)) == "zh"


def test_current_lang_is_flask_babels_locale(app, shop_platform, boss):
    """One answer per request: the engine's current_lang() and Flask-Babel's get_locale() agree."""
    seen = {}

    @app.get("/_probe")
    def probe():
        seen.update(lang=current_lang(), locale=str(get_locale()))
        return "ok"

    client = app.test_client()
    sign_in(client, "boss", ADMIN_PASSWORD)
    client.get("/_probe", headers=EN)
    assert seen == {"lang": "en", "locale": "en"}
    client.get("/_probe", headers=ZH)
    assert seen == {"lang": "zh", "locale": "zh_Hans_CN"}
    set_language(shop_platform, boss, "en")
    client.get("/_probe", headers=ZH)
    assert seen == {"lang": "en", "locale": "en"}


def test_gettext_in_templates_reads_the_same_catalog(app):
    with app.test_request_context("/", headers=ZH):
        assert app.jinja_env.from_string('{{ _("Sign out") }}').render() == "退出登录"
    with app.test_request_context("/", headers=EN):
        assert app.jinja_env.from_string('{{ _("Sign out") }}').render() == "Sign out"


# -- saving the choice ------------------------------------------------------------------------------
def test_the_header_switch_saves_the_choice_of_a_signed_in_user(client, app, shop_platform, boss):
    assert load_principal(shop_platform, boss).language is None
    r = client.get("/_lang/en?next=/shop/members/", headers=ZH)
    assert r.status_code == 303 and r.headers["Location"].endswith("/shop/members/")
    assert load_principal(shop_platform, boss).language == "en"
    # another browser (no cookie, a Chinese one) gets English once this user signs in there
    other = app.test_client()
    assert lang_of_page(other.get("/login", headers=ZH)) == "zh"
    sign_in(other, "boss", ADMIN_PASSWORD)
    assert lang_of_page(other.get("/", headers=ZH)) == "en"
    client.get("/_lang/zh?next=/")
    assert load_principal(shop_platform, boss).language == "zh"


def test_the_switch_without_a_user_only_sets_the_cookie(app, shop_platform, boss):
    anonymous = app.test_client()
    r = anonymous.get("/_lang/en?next=/login")
    assert r.status_code == 303 and "lang=en" in r.headers["Set-Cookie"]
    assert lang_of_page(anonymous.get("/login", headers=ZH)) == "en"
    assert load_principal(shop_platform, boss).language is None
    assert anonymous.get("/_lang/xx?next=/").status_code == 303                    # unknown: nothing saved


def test_my_account_page_saves_the_language(client, shop_platform, boss):
    page = client.get("/_account", headers=ZH)
    assert page.status_code == 200 and "我的账户" in page.get_data(as_text=True)
    assert 'href="/_account"' in page.get_data(as_text=True)                        # the header links here
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/_account/language", data={"csrf_token": token, "language": "en"}, headers=ZH)
    assert r.status_code == 303 and "lang=en" in r.headers["Set-Cookie"]
    assert load_principal(shop_platform, boss).language == "en"
    after = client.get("/_account", headers=ZH).get_data(as_text=True)
    assert "Language saved." in after and 'value="en" checked' in after
    r = client.post("/_account/language", data={"csrf_token": token, "language": ""}, headers=ZH)
    assert load_principal(shop_platform, boss).language is None                     # follow the browser
    assert "lang=;" in r.headers["Set-Cookie"]                                       # and the cookie is gone
    assert "语言设置已保存。" in client.get("/_account", headers=ZH).get_data(as_text=True)


def test_my_account_needs_a_signed_in_user_and_a_csrf_token(app, client, shop_platform, boss):
    r = app.test_client().get("/_account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.post("/_account/language", data={"language": "en"}).status_code == 400
    assert load_principal(shop_platform, boss).language is None


def test_my_account_changes_the_password_only_with_the_current_one(client, shop_platform):
    token = csrf_from(client.get("/_account").get_data(as_text=True))

    def change(current, new, again=None):
        return client.post("/_account/password", data={"csrf_token": token, "current_password": current,
                                                        "new_password": new, "new_password_again": again or new})

    r = change("not the password", "a-new-password")
    assert r.status_code == 403 and "当前密码不正确。" in r.get_data(as_text=True)
    r = change(ADMIN_PASSWORD, "a-new-password", "another-password")
    assert r.status_code == 400 and "两次输入的新密码不一致。" in r.get_data(as_text=True)
    r = change(ADMIN_PASSWORD, "short")
    assert r.status_code == 400 and "新密码至少需要 8 个字符。" in r.get_data(as_text=True)
    assert authenticate(shop_platform, "boss", ADMIN_PASSWORD) is not None           # nothing changed yet
    r = change(ADMIN_PASSWORD, "a-new-password")
    assert r.status_code == 303
    assert "密码已修改。" in client.get("/_account").get_data(as_text=True)
    assert authenticate(shop_platform, "boss", ADMIN_PASSWORD) is None
    assert authenticate(shop_platform, "boss", "a-new-password") is not None


def test_the_language_column_is_added_to_an_existing_database(db_url, tmp_path):
    """A database made before the setting existed gains the nullable column at start-up."""
    (tmp_path / "shop.yaml").write_text(SHOP, encoding="utf-8")
    old = Platform.from_files([str(tmp_path / "shop.yaml")], db_url, str(tmp_path / "media"))
    user_id = create_user(old, "ann", "ann-password")
    with old.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE tessera_accounts DROP COLUMN language"))
    old.dispose()
    new = Platform.from_files([str(tmp_path / "shop.yaml")], db_url, str(tmp_path / "media"))
    try:
        assert "language" in {c["name"] for c in sa.inspect(new.engine).get_columns("tessera_accounts")}
        assert load_principal(new, user_id).language is None
        set_language(new, user_id, "en")
        assert load_principal(new, user_id).language == "en"
    finally:
        new.dispose()


# -- the catalog ------------------------------------------------------------------------------------
def _catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy():
    messages = [m for m in _catalog() if m.id]
    assert messages
    for m in messages:
        assert m.string and m.string.strip(), f"no Chinese for {m.id!r}"
        assert not m.fuzzy, f"fuzzy: {m.id!r}"
        assert _placeholders(m.string) == _placeholders(m.id), f"placeholders differ: {m.id!r}"


def test_every_ui_text_is_in_the_catalog():
    ids = {m.id for m in _catalog() if m.id}
    assert set(TEXT.values()) <= ids, sorted(set(TEXT.values()) - ids)
    assert len(set(TEXT.values())) == len(TEXT), "two keys share an English text"


def test_every_dashboard_word_is_in_the_catalog():
    from engines.report.words import WORDS, word
    ids = {m.id for m in _catalog() if m.id}
    assert set(WORDS.values()) <= ids, sorted(set(WORDS.values()) - ids)
    assert word("refresh_every", "zh", n=60) == "每 60 秒自动刷新"
    assert word("refresh_every", "en", n=60) == "Refreshes every 60 s"


def test_the_compiled_catalog_says_what_the_po_says():
    """The committed .mo is `pybabel compile` of the committed .po (run `make translations` after an edit)."""
    with MO.open("rb") as f:
        compiled = Translations(f)
    po = {m.id: m.string for m in _catalog() if m.id}
    assert {k: v for k, v in compiled._catalog.items() if k} == po
