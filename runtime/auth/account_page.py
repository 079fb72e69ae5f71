""""My account": a signed-in user chooses their UI language and changes their password.

The language is saved on the account (it then wins over the browser's wish on every device) and in the
`lang` cookie (so that the sign-in page speaks it too); "follow the browser" clears both.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from engines.common.labels import DEFAULT_LANGUAGE, LANGUAGES
from engines.form.pages import LANG_COOKIE_AGE
from engines.form.ui_text import translate
from engines.form.web import current_lang
from runtime.auth import throttle
from runtime.auth.accounts import MIN_PASSWORD_LENGTH, load_principal
from runtime.auth.sessions import start_session
from runtime.auth.self_service import change_password, set_language

LANGUAGE_NAMES = (("zh", "中文"), ("en", "English"))     # each language named in itself


def account_blueprint() -> Blueprint:
    bp = Blueprint("account", __name__, template_folder="templates")

    @bp.get("/_account")
    def settings():
        return _page()

    @bp.post("/_account/language")
    def save_language():
        choice = request.form.get("language", "")
        if choice not in LANGUAGES:
            choice = ""                             # follow the browser
        set_language(_platform(), g.tessera_user.id, choice or None)
        resp = redirect(url_for("account.settings"), 303)
        if choice:
            resp.set_cookie("lang", choice, max_age=LANG_COOKIE_AGE, samesite="Lax")
        else:
            resp.delete_cookie("lang")
        flash(translate("language_saved", choice or _browser_lang()), "success")
        return resp

    @bp.post("/_account/password")
    def save_password():
        platform, user, lang = _platform(), g.tessera_user, current_lang()
        current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
        ip = request.remote_addr or "-"
        if throttle.is_blocked(platform, user.username, ip):      # guessing the current password
            return _page(translate("login_throttled", lang), 429)
        if new != request.form.get("new_password_again", ""):
            return _page(translate("password_mismatch", lang), 400)
        if len(new) < MIN_PASSWORD_LENGTH:
            return _page(translate("password_too_short", lang, n=MIN_PASSWORD_LENGTH), 400)
        if not change_password(platform, user.id, current, new):
            throttle.record_failure(platform, user.username, ip)
            return _page(translate("password_wrong", lang), 403)
        start_session(load_principal(platform, user.id))     # this browser stays signed in; others are not
        flash(translate("password_changed", lang), "success")
        return redirect(url_for("account.settings"), 303)

    return bp


def _platform():
    return current_app.extensions["tessera.platform"]


def _browser_lang() -> str:
    """The language the next page will have once the saved one and the cookie are gone."""
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def _page(password_error: str | None = None, status: int = 200):
    return render_template("tessera/account.html", saved=g.tessera_user.language or "",
                           languages=LANGUAGE_NAMES, password_error=password_error,
                           min_password=MIN_PASSWORD_LENGTH), status
