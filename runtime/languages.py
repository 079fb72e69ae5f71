"""The UI language of each request, through Flask-Babel.

Flask-Babel's locale selector asks the form engine's `request_lang` (the signed-in user's saved
language, then ?lang=, the `lang` cookie, Accept-Language, Chinese), so `flask_babel.get_locale()`,
`_()` in templates and the engine's `current_lang()` give one answer. The header's language switch
(/_lang/<lang>, a page of the engine) sets a cookie; here it is also saved for a signed-in user.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel

from engines.common.labels import DEFAULT_LANGUAGE, LANGUAGES
from engines.common.locales import babel_locale
from engines.form.i18n import CATALOG_DIR, DOMAIN
from engines.form.web import request_lang
from runtime.auth.self_service import set_language

SWITCH_ENDPOINT = "pages.switch_lang"


def install(flask_app: Flask) -> None:
    flask_app.config.setdefault("BABEL_DEFAULT_LOCALE", babel_locale(DEFAULT_LANGUAGE))
    flask_app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(CATALOG_DIR))
    flask_app.config.setdefault("BABEL_DOMAIN", DOMAIN)
    Babel(flask_app, locale_selector=_select_locale)
    flask_app.after_request(_save_switch)


def _select_locale() -> str | None:
    if not has_request_context():       # e.g. a CLI command: Flask-Babel's default (Chinese)
        return None
    return babel_locale(request_lang())


def _save_switch(resp):
    """/_lang/<lang> by a signed-in user: remember it on the account, not only in this browser."""
    if request.endpoint != SWITCH_ENDPOINT or resp.status_code >= 400:
        return resp
    lang = (request.view_args or {}).get("lang")
    user_id = session.get("uid")    # the switch is public: the guard has not loaded the user
    if lang in LANGUAGES and user_id is not None:
        set_language(current_app.extensions["tessera.platform"], user_id, lang)
    return resp
