"""Indexes the datasets ask for: one per (table, `time:` field), led by the time field so that a date
range reads only its rows, and covering the table's own columns the dataset's filters, dimensions and
measures read, so that SQLite answers from the index alone (no look-up of each row in the table, which
costs more than scanning it once a range holds a few percent of the rows).

They are attached to the app's SQLAlchemy tables before the schema is compared with the database, so
that creating and upgrading an app (runtime/migrate.py) adds them like any other index.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.sql import visitors

from engines.report.frame import Frame
from engines.report.measures import aggregate

MAX_COLUMNS = 8     # wider than this, an index costs the write path more than it saves a chart


def dataset_indexes(form, reports) -> list[sa.Index]:
    """Attach each dataset's index to its table (once per table and time field) and return them."""
    wanted: dict[tuple[str, str], list[str]] = {}
    for ds in (reports.datasets.values() if reports else ()):
        if ds.time is None or ds.time.related or len(ds.time.path) != 1:
            continue
        cols = wanted.setdefault((ds.table, ds.time.path[0]), [ds.time.path[0]])
        cols += [c for c in _columns_read(form, ds) if c not in cols]
    out = []
    for (table, time), cols in wanted.items():
        sql = form.sql[table]
        cols = cols if len(cols) <= MAX_COLUMNS else [time]
        name = _name(sql.name, cols)
        if any(ix.name == name for ix in sql.indexes):
            continue
        out.append(sa.Index(name, *[sql.c[c] for c in cols]))   # an Index of a table's columns joins it
    return out


def _columns_read(form, ds) -> list[str]:
    """The source table's columns in the dataset's SQL (the expressions a chart may put together)."""
    frame = Frame(form, ds)
    parts = [frame.column(ref) for ref in ds.dimensions.values() if not ref.related]
    for m in ds.measures.values():
        try:
            parts.append(aggregate(m, frame, ds.measures, None, {}))
        except (KeyError, TypeError, ValueError):     # one that needs a parameter's value: not covered
            continue
    if ds.where is not None:
        try:
            parts.append(ds.where.sql(frame, {}))
        except (KeyError, TypeError, ValueError):
            pass
    parts += frame.linking_columns()
    source, out = frame.source, []
    for part in parts:
        for el in visitors.iterate(part):
            if isinstance(el, sa.Column) and el.table is source and el.name not in out and el.name != "id":
                out.append(el.name)
    return out


def _name(table: str, cols: list[str]) -> str:
    """ix_<app>__... like the form engine's: an upgrade drops the ones a definition no longer asks
    for (runtime/upgrade.py); the digest of the columns tells a changed dataset's index from the old."""
    digest = hashlib.sha1(f"{table}:{','.join(cols)}".encode()).hexdigest()[:8]
    name = f"ix_{table}__report_{digest}"
    return name if len(name) <= 63 else f"ix_{table.split('__')[0]}__report_{digest}"   # PostgreSQL's limit
