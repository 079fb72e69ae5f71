"""What the admins' pages share: their links in the page header (each admin page's blueprint adds
its own) and the guard that keeps everyone else out.

base.html renders `admin_links` ([(text key, url)]) for admins; the list lives on the Flask app,
filled as blueprints are registered, so that a page added later needs no change elsewhere.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, g, url_for

from engines.form.ui_text import translate
from engines.form.web import current_lang

KEY = "tessera.admin_links"


def add_admin_link(bp: Blueprint, label: str, endpoint: str) -> None:
    """Show a link to `endpoint` labelled with the UI text `label` once `bp` is registered."""
    bp.record_once(lambda state: _links(state.app).append((label, endpoint)))


def admins_only() -> None:
    """A blueprint's `before_request`: 403 for anyone who is not a platform administrator."""
    user = g.get("tessera_user")
    if user is None or not user.is_admin:
        abort(403, description=translate("forbidden_text", current_lang()))


def _links(flask_app: Flask) -> list:
    if KEY not in flask_app.extensions:
        flask_app.extensions[KEY] = []
        flask_app.context_processor(
            lambda: {"admin_links": [(label, url_for(ep)) for label, ep in flask_app.extensions[KEY]]})
    return flask_app.extensions[KEY]
