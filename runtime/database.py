"""The platform's one SQLAlchemy engine: SQLite file (WAL, foreign keys) by default, PostgreSQL by URL."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

DEFAULT_URL = "sqlite:///var/tessera.db"


def make_engine(url: str = DEFAULT_URL) -> sa.Engine:
    url_obj = sa.engine.make_url(url)
    if url_obj.drivername.startswith("sqlite"):
        if url_obj.database and url_obj.database != ":memory:":
            Path(url_obj.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url_obj.drivername in ("postgresql", "postgres"):
        url = url_obj.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn):
    # A unit of work takes the write lock up front (BEGIN IMMEDIATE) so that concurrent writers
    # queue on busy_timeout instead of failing on a read-to-write lock upgrade; reads stay deferred.
    immediate = conn.get_execution_options().get("tessera_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_transaction(engine: sa.Engine):
    """A transaction that will write: on SQLite it takes the write lock at BEGIN, so a read followed
    by a write can never fail with 'database is locked' while another process writes."""
    return engine.execution_options(tessera_write=True).begin()
