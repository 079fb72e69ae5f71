"""The platform's one SQLAlchemy engine: SQLite file (WAL, foreign keys) by default, PostgreSQL by URL."""
from __future__ import annotations

from contextlib import contextmanager
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


MIGRATION_LOCK = 0x7465_7373_6572_6100   # "tessera": one PostgreSQL advisory lock for every schema change


@contextmanager
def migration_transaction(engine: sa.Engine):
    """The one transaction of a schema change, holding the migration lock: two processes (gunicorn
    workers noticing the same new definition) never migrate at once, and the second finds it done.

    SQLite: the write lock (BEGIN IMMEDIATE), with foreign keys off as Alembic's table rebuilds need
    (a rebuilt table is dropped and renamed, which must not touch the rows linking to it); the
    links are checked before commit instead. The pragma only works outside a transaction."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.execution_options(tessera_write=True).begin():
                if not sqlite:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        tables = sorted({row[0] for row in broken})
                        raise BrokenLinks(f"{len(broken)} record(s) of {', '.join(tables)} would link to "
                                          "records that do not exist; nothing was changed")
        finally:
            if sqlite and not conn.closed and not conn.invalidated:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


class BrokenLinks(Exception):
    """A schema change that would leave links to missing records: refused, rolled back."""


def shown_url(url: str) -> str:
    """A database URL fit for messages: its password hidden."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
