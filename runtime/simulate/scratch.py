"""The scratch copy a simulation works on: a private SQLite file, never the live database.

SQLite: the sqlite3 backup API (a read transaction on the live file; in WAL mode writers go on).
PostgreSQL: the app's and the platform's tables copied into the scratch file inside one REPEATABLE
READ transaction (a consistent snapshot that writes nothing and blocks no writer).
"""
from __future__ import annotations

import os
import sqlite3

import sqlalchemy as sa

from runtime.simulate.errors import SimulationError

COPY_CHUNK = 5000


def copy_live(live_engine: sa.Engine, metadata: sa.MetaData, scratch_path: str) -> None:
    """Copy the live database behind `live_engine` into a new SQLite file at `scratch_path`."""
    if live_engine.dialect.name == "sqlite":
        if not os.path.isfile(live_engine.url.database or ""):
            raise SimulationError(f"no database file {live_engine.url.database}")
        _backup_sqlite(live_engine.url.database, scratch_path)
    else:
        _copy_tables(live_engine, metadata, scratch_path)


def _backup_sqlite(live_path: str, scratch_path: str) -> None:
    # mode=rw: never creates a file; query_only: never writes one. (mode=ro would leave -wal and -shm
    # files behind, which a read-only connection may not remove.)
    source = sqlite3.connect(f"file:{live_path}?mode=rw", uri=True)
    target = sqlite3.connect(scratch_path)
    try:
        source.execute("PRAGMA query_only=ON")
        source.backup(target)
    finally:
        target.close()
        source.close()


def _copy_tables(live_engine, metadata, scratch_path) -> None:
    target = sa.create_engine(f"sqlite:///{scratch_path}")
    present = set(sa.inspect(live_engine).get_table_names())
    tables = [t for t in metadata.sorted_tables if t.name in present]
    metadata.create_all(target, tables=tables)
    try:
        with live_engine.connect().execution_options(isolation_level="REPEATABLE READ") as src, \
                target.begin() as dst:
            dst.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                result = src.execution_options(yield_per=COPY_CHUNK).execute(sa.select(table))
                for rows in result.mappings().partitions():
                    dst.execute(table.insert(), [dict(r) for r in rows])
            src.rollback()
    finally:
        target.dispose()
