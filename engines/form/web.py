"""What the form engine's pages and API need from the hosting Flask app, without importing it.

The runtime puts a mapping of installed apps in `app.extensions["tessera.apps"]`; each value has
`.app` (the compiled App), `.form` (FormApp) and `.records` (RecordService).
"""
from __future__ import annotations

from flask import abort, current_app, request

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
