"""Flask app factory: the platform's pages and API for every installed app."""
from __future__ import annotations

import os

from flask import Flask, jsonify, render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

from engines.flow.api import flow_api_blueprint
from engines.flow.panel import app_links as flow_links, record_buttons as flow_buttons, record_lock as flow_lock
from engines.flow.panel import record_panel as flow_panel
from engines.flow.web import flow_blueprint
from engines.form.api import api_blueprint
from engines.form.pages import pages_blueprint
from engines.form.screens.web import screen_links, screens_blueprint
from engines.form.transfer.web import transfer_blueprint
from engines.report.web import dashboard_links, report_blueprint
from engines.rules.api import record_buttons, rules_blueprint
from runtime.auth.web import install as install_auth
from runtime.languages import install as install_languages
from runtime.audit_pages import audit_blueprint
from runtime.rule_runs_page import rule_runs_blueprint
from runtime.admin_apps import admin_apps_blueprint
from runtime.designer.pages import designer_blueprint
from runtime.simulate.page import simulate_blueprint
from runtime.outbox.pages import messages_blueprint
from runtime.reload import Reloader, interval_from
from runtime.platform import Platform


def create_app(platform: Platform | None = None, *, apps=None, database_url: str | None = None,
               config: dict | None = None) -> Flask:
    """Build the Flask app. Either pass a Platform, or app definition files and a database URL
    (falling back to TESSERA_APPS / TESSERA_DATABASE_URL from the environment)."""
    if platform is None:
        files = apps or [p for p in os.environ.get("TESSERA_APPS", "").split(os.pathsep) if p]
        url = database_url or os.environ.get("TESSERA_DATABASE_URL", "sqlite:///var/tessera.db")
        platform = Platform.from_files(files, url, os.environ.get("TESSERA_MEDIA_DIR", "var/media"))
    flask_app = Flask(__name__)
    flask_app.config.update(
        MAX_CONTENT_LENGTH=int(os.environ.get("TESSERA_MAX_UPLOAD", 20 * 1024 * 1024)),
    )
    hops = int(os.environ.get("TESSERA_PROXIES", "0") or 0)
    if hops:    # behind nginx/Caddy: the client's address (sign-in rate limit) and https come from the proxy
        flask_app.wsgi_app = ProxyFix(flask_app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    flask_app.json.sort_keys = False      # fields in the definition's order
    flask_app.json.ensure_ascii = False   # 张三, not \u5f20\u4e09
    flask_app.extensions["tessera.platform"] = platform
    flask_app.extensions["tessera.apps"] = platform.apps
    flask_app.extensions["tessera.audit"] = platform.audit
    reloader = Reloader(platform, interval_from(os.environ.get("TESSERA_RELOAD_INTERVAL")))
    flask_app.extensions["tessera.reloader"] = reloader
    flask_app.before_request(reloader.poll)  # first: a changed definition is swapped in before the request
    install_auth(flask_app, platform)        # sign-in, CSRF, security headers, the guard before every view
    install_languages(flask_app)             # Flask-Babel: each request's language, saved per user
    if config:
        flask_app.config.update(config)
    flask_app.register_blueprint(api_blueprint(), url_prefix="/api")
    flask_app.register_blueprint(rules_blueprint(platform.event_keys, platform.event_journal))   # buttons and external events
    flask_app.extensions["tessera.record_buttons"] = [record_buttons, flow_buttons]
    flask_app.extensions["tessera.record_panels"] = [flow_panel]          # a record's flows and their history
    flask_app.extensions["tessera.record_locks"] = [flow_lock]            # no edit/delete while a flow holds it
    flask_app.extensions["tessera.app_links"] = [screen_links, dashboard_links, flow_links]
    flask_app.register_blueprint(flow_api_blueprint())   # before the form API: /api/<app>/inbox is not a table
    flask_app.register_blueprint(flow_blueprint())       # before the pages: /<app>/inbox is not a table
    flask_app.register_blueprint(report_blueprint())     # before the pages: /<app>/dashboards/ is not a table
    flask_app.register_blueprint(transfer_blueprint())   # import and export of the list pages
    flask_app.register_blueprint(screens_blueprint())    # before the pages: /<app>/pages/ is not a table
    flask_app.register_blueprint(pages_blueprint())
    flask_app.register_blueprint(audit_blueprint())
    flask_app.register_blueprint(rule_runs_blueprint())
    flask_app.register_blueprint(admin_apps_blueprint())
    flask_app.register_blueprint(designer_blueprint())   # /_admin/designer: forms and YAML, saved and reloaded
    flask_app.register_blueprint(simulate_blueprint())   # /_admin/simulate/<app>, linked from /_admin/apps
    flask_app.register_blueprint(messages_blueprint())   # /_admin/messages: the outbox
    _json_errors_for_api(flask_app)
    return flask_app


def _json_errors_for_api(flask_app: Flask) -> None:
    """Under /api every HTTP error is JSON; elsewhere it is the platform's error page. Never a traceback."""
    from werkzeug.exceptions import HTTPException

    @flask_app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 500:
            flask_app.logger.error("unhandled error on %s %s", request.method, request.path,
                                   exc_info=getattr(exc, "original_exception", None))
        if request.path.startswith("/api/"):
            return jsonify(error={"code": exc.name.lower().replace(" ", "_"),
                                  "message": exc.description}), exc.code
        return render_template("tessera/error.html", heading=f"{exc.code} {exc.name}",
                               message=exc.description), exc.code
