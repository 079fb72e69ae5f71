"""A chunk of new rows in one executemany, for bulk inserts (an import: transfer/bulk.py, ledger/opening.py).

On SQLite the rows go straight to the driver's executemany: SQLAlchemy's executemany builds and
processes a parameter dict per row (about half of an import's insert time); here each column's bind
processor (dates and times to SQLite's text) is applied once per value, and once per chunk for the
values every row shares (created_at, created_by...). Elsewhere (PostgreSQL) SQLAlchemy's own
executemany is used: it batches the rows into multi-row INSERTs, which a server round trip needs.
"""
from __future__ import annotations

from itertools import repeat

import sqlalchemy as sa


class RowInserter:
    def __init__(self, table: sa.Table, dialect):
        self.table = table
        self.columns = [c.name for c in table.c]
        self.direct = dialect.name == "sqlite"
        if self.direct:
            stmt = table.insert().compile(dialect=dialect, column_keys=self.columns)
            self.sql = str(stmt)
            order = stmt.positiontup
            assert order == self.columns, "the INSERT lists every column in table order"
            # the dialect's own type (SQLite's DATETIME writes its text form); the generic one has none
            self.processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.c]
            # a column of dates repeats a few values (birthdays): each distinct one processed once
            self.repeats = [isinstance(c.type, sa.Date) for c in table.c]

    def insert_columns(self, conn, columns: dict, n: int, shared: dict) -> None:
        """The same from columns (name -> a list of `n` values; absent columns are NULL): per column,
        not per row, and the rows built by zip (an import's chunk: transfer/bulk.py)."""
        if n <= 0:
            return
        lists = []
        for i, name in enumerate(self.columns):
            proc = self.processors[i] if self.direct else None
            if name in shared:
                v = shared[name]
                lists.append(repeat(v if proc is None or v is None else proc(v), n))
            elif name in columns:
                col = columns[name]
                if proc is None:
                    lists.append(col)
                elif self.repeats[i]:
                    seen = {None: None}
                    lists.append([seen[v] if v in seen else seen.setdefault(v, proc(v)) for v in col])
                else:
                    lists.append([None if v is None else proc(v) for v in col])
            else:
                lists.append(repeat(None, n))
        if self.direct:
            conn.exec_driver_sql(self.sql, list(zip(*lists)))
        else:
            conn.execute(self.table.insert(), [dict(zip(self.columns, row)) for row in zip(*lists)])

    def insert(self, conn, rows: list[dict], shared: dict) -> None:
        """`rows`: each row's own values (absent columns are NULL); `shared`: values of every row."""
        if not rows:
            return
        if not self.direct:
            conn.execute(self.table.insert(), [{**dict.fromkeys(self.columns), **shared, **r} for r in rows])
            return
        template = [None] * len(self.columns)
        own = []            # (position, column, processor) of the values each row has its own
        for i, (name, proc) in enumerate(zip(self.columns, self.processors)):
            if name in shared:
                v = shared[name]
                template[i] = v if proc is None or v is None else proc(v)
            else:
                own.append((i, name, proc))
        out = []
        for r in rows:
            values = template.copy()
            for i, name, proc in own:
                v = r.get(name)
                if v is not None:
                    values[i] = v if proc is None else proc(v)
            out.append(tuple(values))
        conn.exec_driver_sql(self.sql, out)
