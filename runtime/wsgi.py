"""The WSGI entry point for production servers: `gunicorn -c python:runtime.gunicorn_conf runtime.wsgi:app`.

Configured by the environment: TESSERA_APPS (definition files, separated by ':'; default apps/*.yaml),
TESSERA_DATABASE_URL, TESSERA_MEDIA_DIR, TESSERA_SECRET_KEY, TESSERA_SECURE_COOKIES.
"""
import os

from runtime.appfiles import default_apps
from runtime.webapp import create_app

app = create_app(apps=[p for p in os.environ.get("TESSERA_APPS", "").split(os.pathsep) if p] or default_apps())
