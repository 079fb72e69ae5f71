"""The admins' pages for people and integrations: users with their roles per app, and API tokens.

The same operations as `tessera users ...` and `tessera token ...` (accounts.py, tokens.py); a new
token's secret is shown on the page that created it and never again.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from engines.form.ui_text import translate
from engines.form.web import current_lang
from runtime.admin_links import add_admin_link, admins_only
from runtime.auth.accounts import AccountError, create_user, grant, list_users, revoke, set_active, set_password
from runtime.auth.tokens import create_token, list_tokens, revoke_token


def admin_blueprint() -> Blueprint:
    bp = Blueprint("admin_users", __name__, template_folder="templates")
    add_admin_link(bp, "users_admin", "admin_users.users")
    add_admin_link(bp, "tokens_admin", "admin_users.tokens")
    bp.before_request(admins_only)

    @bp.get("/_admin/users")
    def users():
        return _users_page()

    @bp.post("/_admin/users")
    def add_user():
        form = request.form
        return _act(lambda p: create_user(p, form.get("username", ""), form.get("password", ""),
                                          is_admin=form.get("is_admin") == "1",
                                          display_name=form.get("display_name", "").strip() or None),
                    "user_added", username=form.get("username", "").strip())

    @bp.post("/_admin/users/<username>/roles")
    def change_role(username):
        app, _, role = request.form.get("role", "").partition(":")
        if request.form.get("action") == "revoke":
            return _act(lambda p: revoke(p, username, app, role), "role_revoked", username=username, role=role)
        return _act(lambda p: grant(p, username, app, role), "role_granted", username=username, role=role)

    @bp.post("/_admin/users/<username>/active")
    def change_active(username):
        active = request.form.get("active") == "1"
        if not active and g.tessera_user.username == username:
            flash(translate("cannot_disable_self", current_lang()), "error")
            return redirect(url_for("admin_users.users"), 303)
        return _act(lambda p: set_active(p, username, active), "user_enabled" if active else "user_disabled",
                    username=username)

    @bp.post("/_admin/users/<username>/password")
    def change_password(username):
        return _act(lambda p: set_password(p, username, request.form.get("password", "")), "password_set",
                    username=username)

    @bp.get("/_admin/tokens")
    def tokens():
        return _tokens_page()

    @bp.post("/_admin/tokens")
    def add_token():
        name = request.form.get("name", "").strip()
        app, _, role = request.form.get("role", "").partition(":")
        try:
            secret = create_token(_platform(), name, app, role)
        except AccountError as exc:
            return _tokens_page(error=str(exc), status=422)
        return _tokens_page(created={"name": name, "secret": secret})   # shown this once

    @bp.post("/_admin/tokens/<name>/revoke")
    def revoke_token_page(name):
        try:
            revoke_token(_platform(), name)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(translate("token_revoked", current_lang(), name=name), "success")
        return redirect(url_for("admin_users.tokens"), 303)

    return bp


def _platform():
    return current_app.extensions["tessera.platform"]


def _act(operation, done_key, **values):
    """Run an account operation; flash what happened (or the one-line reason it was refused)."""
    try:
        operation(_platform())
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(translate(done_key, current_lang(), **values), "success")
    return redirect(url_for("admin_users.users"), 303)


def _role_choices() -> list[tuple[str, str]]:
    """("app:role", "App title · role") for every role every installed app declares."""
    lang = current_lang()
    return [(f"{name}:{role}", f"{inst.app.title.get(lang)} · {role}")
            for name, inst in sorted(_platform().apps.items()) for role in inst.app.roles]


def _users_page():
    return render_template("tessera/admin_users.html", users=list_users(_platform()), roles=_role_choices())


def _tokens_page(created=None, error=None, status=200):
    return render_template("tessera/admin_tokens.html", tokens=list_tokens(_platform()), roles=_role_choices(),
                           created=created, error=error), status
