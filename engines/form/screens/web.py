"""The screens on the web: /<app>/pages/ (the pages the person may open) and /<app>/pages/<name>
(GET draws it; POST is a form component's submission, `_component` saying which)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from engines.form.access import Forbidden
from engines.form.errors import NotFound
from engines.form.pages import forbidden_page, not_found_page
from engines.form.screens.components import COMPONENTS
from engines.form.screens.view import ScreenView
from engines.form.ui_text import translate
from engines.form.web import current_access, current_lang, current_user, installed

MAX_QUERY = 100


def screens_blueprint() -> Blueprint:
    bp = Blueprint("screens", __name__, template_folder="../templates")
    bp.register_error_handler(NotFound, not_found_page)
    bp.register_error_handler(Forbidden, forbidden_page)

    @bp.get("/<app_name>/pages/")
    def index(app_name):
        inst = installed(app_name)
        screens = [s for s in _screens(inst).values() if may_open(inst, s)]
        return render_template("tessera/screens/index.html", app_name=app_name, inst=inst, screens=screens)

    @bp.route("/<app_name>/pages/<name>", methods=["GET", "POST"])
    def page(app_name, name):
        inst = installed(app_name)
        screen = _screens(inst).get(name)
        if screen is None or not may_open(inst, screen):
            abort(404, description=translate("not_found_text", current_lang()))
        view = ScreenView(inst, screen, current_access(inst), current_lang(),
                          query=(request.values.get("q") or "")[:MAX_QUERY])
        view.record = _record(view)
        status = 200
        if request.method == "POST":
            component = _posted(screen)
            view.current = component
            response = COMPONENTS[component.key].post(component.options, view)
            if response is not None:
                return response
            status = view.forms[component.index].get("status", 422)
        parts = []
        for component in screen.components:
            view.current = component
            parts.append(COMPONENTS[component.key].render(component.options, view))
        missing = screen.for_me and view.record is None
        return render_template("tessera/screens/page.html", app_name=app_name, inst=inst, screen=screen, view=view,
                               parts=parts, missing=missing,
                               charts=any(c.key == "chart" for c in screen.components)), status

    return bp


def _screens(inst):
    return inst.app.pages


def may_open(inst, screen) -> bool:
    user = current_user()
    if user is None or getattr(user, "is_admin", False):
        return True
    return bool(set(user.roles.get(inst.app.name, ())) & set(screen.roles))


def _record(view: ScreenView):
    """The page's record: the person's own (`for: me`), or the one the search box finds."""
    screen = view.screen
    if screen.for_me:
        user_id = view.access.user_id
        owner = view.form.tables[screen.table].owner[0]
        return view.one(screen.table, [(owner, "eq", user_id)]) if user_id is not None else None
    search = screen.search
    if search is not None:
        view.current = search
        return COMPONENTS["search"].find(search.options, view)
    return None


def _posted(screen):
    try:
        index = int(request.form.get("_component", ""))
    except ValueError:
        abort(400)
    component = next((c for c in screen.components if c.index == index), None)
    if component is None or not hasattr(COMPONENTS[component.key], "post"):
        abort(400)
    return component


def screen_links(inst) -> list[tuple[str, str]]:
    """The app home's links to the pages the person may open."""
    lang = current_lang()
    return [(url_for("screens.page", app_name=inst.app.name, name=s.name), s.label.get(lang))
            for s in _screens(inst).values() if may_open(inst, s)]
