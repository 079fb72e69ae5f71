"""The sign-in pages and the guards every request passes: who is asking (session or API token), may
they open this app, is the form genuine (CSRF), and the security headers on every response."""
from __future__ import annotations

import datetime as dt
import os

from flask import (Blueprint, Flask, abort, current_app, g, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_wtf.csrf import CSRFError, CSRFProtect

from engines.form.ui_text import translate
from engines.form.web import current_lang, local_target
from runtime.auth import throttle
from runtime.auth.account_page import account_blueprint
from runtime.auth.accounts import authenticate, load_principal
from runtime.auth.admin_pages import admin_blueprint
from runtime.auth.registration import signup_blueprint
from runtime.auth.sessions import start_session
from runtime.auth.settings import secret_key
from runtime.auth.tokens import principal_for_token

PUBLIC_ENDPOINTS = frozenset({"auth.login", "pages.static", "static", "pages.switch_lang", "api.openapi",
                              "signup.register_page"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}


def install(flask_app: Flask, platform) -> None:
    """Wire sign-in, CSRF, the request guard and the security headers into `flask_app` (once)."""
    flask_app.config.update(
        SECRET_KEY=os.environ.get("TESSERA_SECRET_KEY") or secret_key(platform),
        SESSION_COOKIE_NAME="tessera_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("TESSERA_SECURE_COOKIES") == "1",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        # _guard decides by path, whichever blueprint serves it: every form post, and API writes made
        # with the session cookie; never an API call made with a token (a till, an ERP)
        WTF_CSRF_CHECK_DEFAULT=False,
    )
    csrf = CSRFProtect(flask_app)
    flask_app.extensions["tessera.csrf"] = csrf
    flask_app.register_blueprint(_auth_blueprint())
    flask_app.register_blueprint(account_blueprint())
    flask_app.register_blueprint(signup_blueprint())
    flask_app.register_blueprint(admin_blueprint())
    flask_app.before_request(_guard)
    flask_app.after_request(_security_headers)
    flask_app.context_processor(lambda: {"current_user": g.get("tessera_user"),
                                         "logout_url": url_for("auth.logout"),
                                         "account_url": url_for("account.settings")})
    flask_app.register_error_handler(CSRFError, _csrf_failed)


def _platform():
    return current_app.extensions["tessera.platform"]


def _session_user():
    user_id = session.get("uid")
    if user_id is None:
        return None
    user = load_principal(_platform(), user_id)
    # deleted or disabled since signing in, or the password was changed (everywhere else: signed out)
    if user is None or session.get("pw") != user.password_stamp:
        session.clear()
        return None
    return user


def _guard():
    g.tessera_user = None
    api = request.path.startswith("/api/")
    if not api and request.method not in SAFE_METHODS:
        current_app.extensions["tessera.csrf"].protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    # the language is asked only once the user is known: their saved one wins (Flask-Babel keeps the
    # first answer for the rest of the request)
    if api:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, secret = header.partition(" ")
            user = principal_for_token(_platform(), secret.strip()) if scheme.lower() == "bearer" and secret.strip() \
                else None
            if user is None:
                return _unauthorized(translate("token_invalid", current_lang()))
        else:
            user = _session_user()
            if user is None:
                return _unauthorized(translate("api_sign_in", current_lang()))
            if request.method not in SAFE_METHODS:
                current_app.extensions["tessera.csrf"].protect()     # the X-CSRFToken header
    else:
        user = _session_user()
        if user is None:
            here = request.full_path.rstrip("?") if request.method in SAFE_METHODS else request.path
            return redirect(url_for("auth.login", next=here))
    g.tessera_user = user
    app_name = _app_of_request()
    if app_name in _platform().apps and not user.can_open(app_name):
        abort(403, description=translate("forbidden_text", current_lang()))
    return None


def _app_of_request() -> str | None:
    args = request.view_args or {}
    if "app_name" in args:
        return args["app_name"]
    if request.endpoint == "pages.media":
        return args.get("path", "").split("/", 1)[0]
    return None


def _unauthorized(message: str):
    resp = jsonify(error={"code": "unauthorized", "message": message})
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = 'Bearer realm="tessera"'
    return resp


def _security_headers(resp):
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


def _csrf_failed(exc: CSRFError):
    if g.get("tessera_user") is None:       # refused before the guard ran: answer in the user's language
        g.tessera_user = _session_user()
    lang = current_lang()
    if request.path.startswith("/api/") or request.is_json:     # the API, or a page's script (the designer)
        return jsonify(error={"code": "csrf_failed", "message": translate("csrf_api", lang)}), 400
    return render_template("tessera/error.html", heading=translate("form_expired", lang),
                           message=translate("form_expired_text", lang)), 400


def _auth_blueprint() -> Blueprint:
    bp = Blueprint("auth", __name__, template_folder="templates")

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        lang = current_lang()
        target = local_target(request.values.get("next"))
        if request.method == "GET":
            if _session_user() is not None:
                return redirect(target, 303)
            return _login_page(target)
        platform = _platform()
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        ip = request.remote_addr or "-"
        if throttle.is_blocked(platform, username, ip):
            return _login_page(target, username, translate("login_throttled", lang), 429)
        user = authenticate(platform, username, password)
        if user is None:
            throttle.record_failure(platform, username, ip)
            return _login_page(target, username, translate("login_failed", lang), 401)
        throttle.clear_failures(platform, username)
        start_session(user)
        return redirect(target, 303)

    @bp.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("auth.login"), 303)

    return bp


def _login_page(target, username="", error=None, status=200):
    lang = current_lang()
    signups = [(url_for("signup.register_page", app_name=name), f"{inst.app.registration.label.get(lang)} · "
                f"{inst.app.title.get(lang)}") for name, inst in _platform().apps.items() if inst.app.registration]
    return render_template("tessera/login.html", next=target, username=username, error=error,
                           signups=signups), status
