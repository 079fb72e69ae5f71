"""The records an import of the period made (the bulk path: rules off, one audit entry per chunk,
holding only the records' ids): the rewind keeps them as they were imported, in tables of the
scratch file named after the live definition's table (`sim_imported__<table>`, with the import's
entry id; `sim_imported__<table>__<field>` for a multi_link's ids), and the replay puts them back at
the import's moment, as the import did: the same rows, no rules. The new definition may have added
fields (left empty, as on the records that were there before) or renamed them (`renamed_from`)."""
from __future__ import annotations

from itertools import groupby

CHUNK = 500


def keep(form, conn, table: str, records) -> None:
    """Copy the rows (and multi_link ids) of `records`, (import entry id, record id) pairs, aside."""
    for sql, key, stash in _live_tables(form, table):
        cols = [c.name for c in sql.columns]
        _create(conn, stash, cols)
        listed = _names(cols)
        for entry, pairs in groupby(sorted(records), key=lambda p: p[0]):
            ids = [rid for _entry, rid in pairs]
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i:i + CHUNK]
                conn.exec_driver_sql(
                    f'INSERT INTO "{stash}" (sim_entry, {listed}) SELECT ?, {listed} FROM "{sql.name}" '
                    f'WHERE "{key}" IN ({", ".join("?" * len(chunk))})', (entry, *chunk))


def restore(form, conn, table: str, live_table: str, entry: int) -> None:
    """Put back in `table` of the new definition `form` the records that import entry `entry` made
    in `live_table` (its name in the live definition)."""
    t = form.tables[table]
    sql = form.sql[table]
    kept = _columns(conn, f"sim_imported__{live_table}")
    pairs = []                                     # (new column, kept column)
    for c in sql.columns:
        f = t.fields.get(c.name)
        source = c.name if c.name in kept else (f.renamed_from if f is not None and f.renamed_from in kept else None)
        if source is not None:
            pairs.append((c.name, source))
    if pairs:
        _copy_back(conn, f"sim_imported__{live_table}", sql.name, pairs, entry)
    for (owner, name), jt in form.sql.joins.items():
        if owner != table:
            continue
        stash = f"sim_imported__{live_table}__{t.fields[name].renamed_from or name}"
        kept_links = _columns(conn, stash)
        if kept_links:
            _copy_back(conn, stash, jt.name, [(c.name, c.name) for c in jt.columns if c.name in kept_links], entry)


def _live_tables(form, table):
    yield form.sql[table], "id", f"sim_imported__{table}"
    for (owner, name), jt in form.sql.joins.items():
        if owner == table:
            yield jt, "source_id", f"sim_imported__{table}__{name}"


def _copy_back(conn, stash, target, pairs, entry) -> None:
    conn.exec_driver_sql(f'INSERT INTO "{target}" ({_names(n for n, _ in pairs)}) '
                         f'SELECT {_names(k for _, k in pairs)} FROM "{stash}" WHERE sim_entry = ? ORDER BY rowid',
                         (entry,))


def _create(conn, stash, cols) -> None:
    # untyped columns: the values go aside and come back exactly as stored
    conn.exec_driver_sql(f'CREATE TABLE IF NOT EXISTS "{stash}" (sim_entry INTEGER NOT NULL, {_names(cols)})')


def _columns(conn, stash) -> set:
    """The kept columns of `stash` (none: no import kept anything there)."""
    return {row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{stash}")')} - {"sim_entry"}


def _names(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)
