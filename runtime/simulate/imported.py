"""The records an import of the period made (the bulk path: rules off, one audit entry per chunk,
holding only the records' ids): the rewind keeps them as they were imported, in a table of the
scratch file beside each table (`sim_imported__<table>`, with the import's entry id), and the replay
puts them back at the import's moment, as the import did: the same rows, no rules."""
from __future__ import annotations

from itertools import groupby

CHUNK = 500


def keep(form, conn, table: str, records) -> None:
    """Copy the rows (and multi_link rows) of `records`, (import entry id, record id) pairs, aside."""
    for sql, key in _tables(form, table):
        stash = _stash(conn, sql)
        cols = ", ".join(f'"{c.name}"' for c in sql.columns)
        for entry, pairs in groupby(sorted(records), key=lambda p: p[0]):
            ids = [rid for _entry, rid in pairs]
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i:i + CHUNK]
                conn.exec_driver_sql(
                    f'INSERT INTO "{stash}" (sim_entry, {cols}) SELECT ?, {cols} FROM "{sql.name}" '
                    f'WHERE "{key}" IN ({", ".join("?" * len(chunk))})', (entry, *chunk))


def restore(form, conn, table: str, entry: int) -> int:
    """Put back the records import entry `entry` made in `table`; how many."""
    done = 0
    for sql, _key in _tables(form, table):
        stash = _stash(conn, sql)
        cols = ", ".join(f'"{c.name}"' for c in sql.columns)
        n = conn.exec_driver_sql(f'INSERT INTO "{sql.name}" ({cols}) SELECT {cols} FROM "{stash}" '
                                 "WHERE sim_entry = ? ORDER BY rowid", (entry,)).rowcount
        done = done or n
    return done


def _tables(form, table):
    yield form.sql[table], "id"
    for (owner, _field), jt in form.sql.joins.items():
        if owner == table:
            yield jt, "source_id"


def _stash(conn, sql) -> str:
    # untyped columns: the values go aside and come back exactly as stored
    name = f"sim_imported__{sql.name}"
    cols = ", ".join(f'"{c.name}"' for c in sql.columns)
    conn.exec_driver_sql(f'CREATE TABLE IF NOT EXISTS "{name}" (sim_entry INTEGER NOT NULL, {cols})')
    return name
