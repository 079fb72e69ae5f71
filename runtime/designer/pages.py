"""/_admin/designer: the form designer and the YAML editor of each served app (admins only), and the
two JSON endpoints both pages post to (check, save). See docs/designer.md."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, jsonify, make_response, render_template, request, url_for
from jinja2.utils import htmlsafe_json_dumps

from engines.common import clock
from engines.form.fields import field_types
from engines.form.web import current_lang
from runtime.admin_links import add_admin_link, admins_only
from runtime.designer import saving
from runtime.designer.texts import texts


def designer_blueprint() -> Blueprint:
    bp = Blueprint("designer", __name__, static_folder="static", static_url_path="/static/designer")
    add_admin_link(bp, "designer", "designer.index")
    bp.before_request(admins_only)

    @bp.get("/_admin/designer")
    def index():
        lang = current_lang()
        apps = [{"name": n, "title": i.app.title.get(lang), "file": i.app.source}
                for n, i in current_app.extensions["tessera.apps"].items()]
        return render_template("tessera/designer_index.html", apps=apps, txt=texts(lang))

    @bp.get("/_admin/designer/<app_name>")
    def design(app_name):
        return _page(app_name, "tessera/designer.html")

    @bp.get("/_admin/designer/<app_name>/yaml")
    def yaml(app_name):
        return _page(app_name, "tessera/designer_yaml.html")

    @bp.post("/_admin/designer/<app_name>/check")
    def check(app_name):
        sent, text = _posted(app_name)
        return _answer(saving.check(_platform(), app_name, text, with_plan=bool(sent.get("plan", True))))

    @bp.post("/_admin/designer/<app_name>/save")
    def save(app_name):
        sent, text = _posted(app_name)
        return _answer(saving.save(_platform(), current_app.extensions["tessera.reloader"], app_name, text,
                                   sent["started"], confirmed=sent.get("confirm") is True))

    return bp


def _platform():
    return current_app.extensions["tessera.platform"]


def _served(app_name: str):
    inst = current_app.extensions["tessera.apps"].get(app_name)
    if inst is None:
        abort(404)
    return inst


def _posted(app_name: str) -> tuple[dict, str]:
    """The posted JSON and the new text in it: sent whole by the YAML editor, or made from the
    designed tables; a request that gives neither is answered here (4xx JSON)."""
    _served(app_name)
    sent = request.get_json(silent=True)
    if not isinstance(sent, dict) or not isinstance(sent.get("started"), str):
        _refuse(saving.Answer(400, {"ok": False, "message": "expected JSON {started: text, ...}"}))
    if isinstance(sent.get("text"), str):
        return sent, sent["text"]
    text, refused = saving.designed_text(sent.get("tables"), sent["started"])
    if refused is not None:
        _refuse(refused)
    return sent, text


def _refuse(answer: saving.Answer):
    abort(make_response(_answer(answer)))


def _answer(answer: saving.Answer):
    return jsonify(answer.body), answer.status


def _page(app_name: str, template: str):
    inst = _served(app_name)
    lang = current_lang()
    opened = saving.opened(_platform(), app_name)
    data = {
        "app": app_name, "lang": lang, "file": opened["file"], "text": opened["text"], "digest": opened["digest"],
        "tables": opened["tables"], "cannot_edit": opened["cannot_edit"], "all_tables": sorted(inst.app.tables),
        "types": [{"type": name, "label": {"zh": ft.label.zh, "en": ft.label.en},
                   "settings": sorted(ft.settings_schema), "required": list(ft.required_settings),
                   "widget": ft.widget, "computed": ft.computed}
                  for name, ft in field_types().items()],
        "urls": {"check": url_for("designer.check", app_name=app_name),
                 "save": url_for("designer.save", app_name=app_name),
                 "form": url_for("pages.new_record", app_name=app_name, table="TABLE"),
                 "designer": url_for("designer.design", app_name=app_name),
                 "yaml": url_for("designer.yaml", app_name=app_name)},
        "text_of": texts(lang),
    }
    # not the `tojson` filter: it sorts keys, and the order of tables and fields is the design
    data_json = htmlsafe_json_dumps(data, dumps=json.dumps, ensure_ascii=False)
    return render_template(template, inst=inst, data=data, data_json=data_json, txt=data["text_of"],
                           period=_recent_days(inst.app.timezone))


def _recent_days(zone: str) -> tuple[str, str]:
    """The YAML editor's simulation period to start with: the 90 days up to yesterday, in the app's zone."""
    yesterday = clock.now(ZoneInfo(zone)).date() - dt.timedelta(days=1)
    return (yesterday - dt.timedelta(days=89)).isoformat(), yesterday.isoformat()
