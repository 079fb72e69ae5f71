"""The write path's SQLAlchemy statements, built once per app and table with bound parameters.

A statement object executed again reuses its memoised cache key and compiled form; one built anew
per call (`sql.c.id == record_id`, `.values(...)`) pays argument coercion and cache-key generation
every time, which was a third of a rule-driven write.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.form.direct import DirectExecutor, Rows

RID = "_rid"          # the bound record id (a name no column has)


class Statements:
    """Held by the FormApp (one per app): a dict of built statements, filled on first use."""

    def __init__(self, form):
        self.form = form
        self._built: dict = {}
        self._direct = None

    def run(self, conn, stmt, params: dict) -> Rows:
        """Execute one of these statements (engines/form/direct.py: on SQLite, on the driver)."""
        return self._executor().execute(conn, stmt, params)

    def run_many(self, conn, stmt, rows: list[dict]) -> None:
        """`stmt` for each parameter set of `rows` (same names in each): one executemany on SQLite."""
        self._executor().execute_many(conn, stmt, rows)

    def _executor(self) -> DirectExecutor:
        if self._direct is None:
            self._direct = DirectExecutor(self.form.engine.dialect)
        return self._direct

    def _get(self, key, build):
        stmt = self._built.get(key)
        if stmt is None:
            stmt = self._built[key] = build()
        return stmt

    def select_row(self, table: str, lock: bool = False):
        def build():
            sql = self.form.sql[table]
            stmt = sa.select(sql).where(sql.c.id == sa.bindparam(RID))
            # FOR NO KEY UPDATE: ids never change, and it does not wait on (or deadlock with) the
            # KEY SHARE locks that inserting a row linking to this one takes (PostgreSQL)
            return stmt.with_for_update(key_share=True) if lock else stmt
        return self._get(("row", table, lock), build)

    def select_rows(self, table: str):
        """Rows by a list of ids (parameter `ids`, expanded)."""
        def build():
            sql = self.form.sql[table]
            return sa.select(sql).where(sql.c.id.in_(sa.bindparam("ids", expanding=True)))
        return self._get(("rows", table), build)

    def update_row(self, table: str):
        """UPDATE by id; the SET clause is the parameters given (besides RID); RETURNING the row
        when the database can, so the written record needs no second read."""
        def build():
            sql = self.form.sql[table]
            stmt = sql.update().where(sql.c.id == sa.bindparam(RID))
            return stmt.returning(*sql.c) if self.returning("update") else stmt
        return self._get(("update", table), build)

    def insert_row(self, table: str):
        def build():
            sql = self.form.sql[table]
            return sql.insert().returning(*sql.c) if self.returning("insert") else sql.insert()
        return self._get(("insert", table), build)

    def by_column(self, table: str, column: str):
        """The id of the row whose `column` equals the parameter `value` (a ledger key, say)."""
        def build():
            sql = self.form.sql[table]
            return sa.select(sql.c.id).where(sql.c[column] == sa.bindparam("value"))
        return self._get(("by", table, column), build)

    def returning(self, kind: str) -> bool:
        dialect = self.form.engine.dialect
        return bool(dialect.insert_returning if kind == "insert" else dialect.update_returning)

    def custom(self, key, build):
        """Any other statement worth keeping, under the caller's key."""
        return self._get(key, build)
