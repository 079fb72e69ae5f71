"""gunicorn settings for several workers on one database.

The app is loaded once in the master (`preload_app`): definitions are compiled and missing tables
created by one process, not raced by every worker. Each worker then drops the connections it
inherited, as SQLAlchemy requires after a fork, and opens its own.
"""
import os

bind = os.environ.get("TESSERA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TESSERA_WORKERS", "4"))
threads = int(os.environ.get("TESSERA_THREADS", "2"))
preload_app = True
accesslog = "-"


def post_fork(server, worker):
    from runtime.reload import log_reloads
    flask_app = server.app.wsgi()
    flask_app.extensions["tessera.platform"].engine.dispose(close=False)
    log_reloads(server.log.error_log.handlers)   # each worker notes its own hot reloads
    from runtime.outbox.worker import start_worker
    start_worker(flask_app.extensions["tessera.platform"])   # each worker delivers what its requests enqueued
