"""What the form engine's pages and API need from the hosting Flask app, without importing it.

The runtime puts a mapping of installed apps in `app.extensions["tessera.apps"]`; each value has
`.app` (the compiled App), `.form` (FormApp) and `.records` (RecordService).

The runtime also signs the person in before a view runs and leaves them in `g.tessera_user`: an object
with `.id` (the user id, None for an API token), `.username`, `.label`, `.is_admin`, `.roles` (app ->
role names) and `.can_open(app_name)`. The runtime has already refused requests for apps they may not
open; the engine turns the rest into an Access per app (what they may read and write).
"""
from __future__ import annotations

from flask import abort, current_app, g, request
from flask_babel import get_locale

from engines.common.labels import DEFAULT_LANGUAGE, LANGUAGES
from engines.common.locales import lang_of
from engines.form.access import Access


def installed_apps():
    return current_app.extensions["tessera.apps"]


def installed(app_name: str):
    apps = installed_apps()
    if app_name not in apps:
        abort(404)
    return apps[app_name]


def current_lang() -> str:
    """The language of this request, "zh" or "en": the one function the engine asks.

    When the host runs Flask-Babel (the runtime does, with `request_lang` as its locale selector) this
    is the language of Flask-Babel's locale, so that gettext and these pages never disagree.
    """
    if "babel" in current_app.extensions:
        return lang_of(get_locale())
    return request_lang()


def request_lang() -> str:
    """The signed-in user's saved language (`.language` of g.tessera_user, if any) wins, then ?lang=,
    the `lang` cookie, the browser's Accept-Language, and Chinese."""
    saved = getattr(current_user(), "language", None)
    if saved in LANGUAGES:
        return saved
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def current_user():
    """Who is asking (set by the hosting app), or None."""
    return g.get("tessera_user")


def current_actor() -> int | None:
    """The user id to record as created_by/updated_by."""
    user = current_user()
    return getattr(user, "id", None)


def current_access(inst) -> Access:
    """The current person's permissions in the installed app `inst` (built once per request).
    Platform administrators may do everything; without a signed-in person (the engine used on its
    own, without the platform's guard) there is nothing to restrict."""
    cache = g.setdefault("tessera_access", {})
    name = inst.form.name
    if name not in cache:
        user = current_user()
        if user is None or getattr(user, "is_admin", False):
            cache[name] = Access.system(inst.form)
        else:
            cache[name] = Access(inst.form, roles=user.roles.get(name, frozenset()), user_id=user.id,
                                 username=user.username)
    return cache[name]


def visible_apps() -> dict:
    """The installed apps the current user may open (all of them when nobody is signed in to ask)."""
    user = current_user()
    return {name: inst for name, inst in installed_apps().items() if user is None or user.can_open(name)}


def local_target(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: never redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
