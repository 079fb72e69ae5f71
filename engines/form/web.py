"""What the form engine's pages and API need from the hosting Flask app, without importing it.

The runtime puts a mapping of installed apps in `app.extensions["tessera.apps"]`; each value has
`.app` (the compiled App), `.form` (FormApp) and `.records` (RecordService).

The runtime also signs the person in before a view runs and leaves them in `g.tessera_user`: an object
with `.id` (the user id, None for an API token), `.label` and `.can_open(app_name)`. The runtime has
already refused requests for apps they may not open; the engine only uses it to list, and to name
the actor of each write.
"""
from __future__ import annotations

from flask import abort, current_app, g, request

from engines.common.labels import DEFAULT_LANGUAGE, LANGUAGES


def installed_apps():
    return current_app.extensions["tessera.apps"]


def installed(app_name: str):
    apps = installed_apps()
    if app_name not in apps:
        abort(404)
    return apps[app_name]


def current_lang() -> str:
    """?lang= wins, then the `lang` cookie, then the browser's Accept-Language, then Chinese."""
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


def visible_apps() -> dict:
    """The installed apps the current user may open (all of them when nobody is signed in to ask)."""
    user = current_user()
    return {name: inst for name, inst in installed_apps().items() if user is None or user.can_open(name)}


def local_target(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: never redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
