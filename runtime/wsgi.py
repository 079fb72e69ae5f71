"""The WSGI entry point for production servers: `gunicorn -c python:runtime.gunicorn_conf runtime.wsgi:app`.

Configured by the environment: TESSERA_APPS (definition files, separated by ':'; default apps/*.yaml),
TESSERA_DATABASE_URL, TESSERA_MEDIA_DIR, TESSERA_SECRET_KEY, TESSERA_SECURE_COOKIES, TESSERA_RELOAD_INTERVAL
(seconds between checks for changed definitions; 0 turns hot reload off).
"""
import os
import sys

from builder import BuildFailed
from runtime.appfiles import default_apps
from runtime.lifecycle import LifecycleError
from runtime.webapp import create_app

try:
    app = create_app(apps=[p for p in os.environ.get("TESSERA_APPS", "").split(os.pathsep) if p] or default_apps())
except BuildFailed as exc:      # a definition with errors: say which, not a traceback
    sys.exit("\n".join(map(str, exc.errors)))
except LifecycleError as exc:   # a definition that would remove or convert data
    sys.exit("\n".join([*exc.lines, f"error: {exc}"]))
