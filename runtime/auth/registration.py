"""Self sign-up (M4: a member opens a card online) for apps whose definition has `registration:`.

One transaction creates the user, grants the role and creates their record (with its owner field set
to them), so a refused record never leaves an account behind, and an account never lacks its record.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from engines.common.labels import msg
from engines.form import page_forms as pf
from engines.form.errors import ValidationFailed
from engines.form.records import Writer
from engines.form.web import current_lang, installed
from runtime.auth.accounts import (MIN_PASSWORD_LENGTH, AccountError, create_user, grant, load_principal,
                                   user_exists)
from runtime.auth.sessions import start_session
from runtime.database import write_transaction

USERNAME_RULE = msg("1 to 100 characters without spaces", "1 到 100 个字符，不能有空格")
TAKEN = msg("is already taken; choose another or sign in", "已被使用，请换一个，或直接登录")
SHORT = msg(f"must be at least {MIN_PASSWORD_LENGTH} characters long", f"至少 {MIN_PASSWORD_LENGTH} 个字符")
MISMATCH = msg("the two passwords differ", "两次输入的密码不一致")


class SignupRefused(Exception):
    def __init__(self, errors: dict):
        super().__init__("sign-up refused")
        self.errors = errors


def register(platform, app_name: str, username: str, password: str, values: dict) -> tuple[int, dict]:
    """Create the user, their role and their record; return (user id, record). Raises SignupRefused
    with every problem (account and record fields) at once."""
    inst = platform.apps[app_name]
    reg = inst.app.registration
    username = (username or "").strip()
    errors = {}
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        errors["username"] = USERNAME_RULE
    elif user_exists(platform, username):
        errors["username"] = TAKEN
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = SHORT
    record_values = {k: v for k, v in values.items() if k in reg.fields}
    record_values.update(reg.values)
    try:
        with write_transaction(platform.engine) as conn:
            # the record first (with a stand-in owner): its problems are reported with the account's
            writer = Writer(inst.form, conn, None, "page")
            if errors:
                writer.validate(reg.table, record_values)
                raise SignupRefused(errors)
            user_id = create_user(platform, username, password, conn=conn,
                                  display_name=str(values.get("name") or "") or None)
            grant(platform, username, app_name, reg.role, conn=conn)
            writer.actor = user_id
            record = writer.create(reg.table, {**record_values, reg.owner: user_id})
    except ValidationFailed as exc:
        raise SignupRefused({**errors, **exc.fields}) from None
    except AccountError:            # two people taking one name at the same moment
        raise SignupRefused({**errors, "username": TAKEN}) from None
    return user_id, record


def signup_blueprint() -> Blueprint:
    bp = Blueprint("signup", __name__, template_folder="templates")

    @bp.route("/<app_name>/register", methods=["GET", "POST"])
    def register_page(app_name):
        inst = installed(app_name)
        reg = inst.app.registration
        if reg is None:
            abort(404)
        lang = current_lang()
        errors, kept, username = {}, pf.initial_values(inst.form, inst.form.tables[reg.table], request.args), ""
        if request.method == "POST":
            t = inst.form.tables[reg.table]
            values, kept, _saved = pf.read_submission(inst.form, app_name, t, "create", request.form, {})
            username = request.form.get("username", "")
            password = request.form.get("password", "")
            try:
                if password != request.form.get("password2", ""):
                    raise SignupRefused({"password2": MISMATCH})
                user_id, record = register(current_app.extensions["tessera.platform"], app_name, username,
                                           password, values)
            except SignupRefused as exc:
                errors = exc.errors
            else:
                start_session(load_principal(current_app.extensions["tessera.platform"], user_id))
                return redirect(url_for("pages.detail", app_name=app_name, table=reg.table,
                                        record_id=record["id"]), 303)
        return _page(inst, app_name, reg, lang, kept, errors, username), 422 if errors else 200

    return bp


def _page(inst, app_name, reg, lang, kept, errors, username):
    t = inst.form.tables[reg.table]
    with inst.form.engine.connect() as conn:
        widgets = [w for w in pf.widgets(inst.form, conn, app_name, t, "create", lang, kept=kept,
                                         errors={k: v for k, v in errors.items() if k in t.fields})
                   if w["name"] in reg.fields]
    account_errors = {k: v.get(lang) for k, v in errors.items() if k in ("username", "password", "password2")}
    return render_template("tessera/register.html", app_name=app_name, inst=inst, heading=reg.label.get(lang),
                           widgets=widgets, username=username, account_errors=account_errors,
                           has_errors=bool(errors))

