"""The write path's fixed statements run straight on the SQLite driver's cursor.

SQLAlchemy Core spends 20-40 µs around each execution (the execution context, event dispatch,
parameter dicts, the result objects), more than SQLite spends running a primary-key read or write,
and a rule-driven write makes a dozen of them. Here a statement is compiled once per set of
parameter names, with the bind and result processors of the dialect's own types (those SQLAlchemy
applies: SQLite's DATETIME as text, say), and run on the driver's connection inside the
connection's open transaction. Anything else goes through SQLAlchemy as before: PostgreSQL (a
server round trip dwarfs the overhead), a connection outside a transaction (the driver would run it
in autocommit), and a statement whose compiled form needs SQLAlchemy's own work at execution
(Python-side column defaults, expanding or post-compile parameters).
"""
from __future__ import annotations

import datetime as dt
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite.base import DATETIME as SQLITE_DATETIME

_FALLBACK = object()      # a plan that is not direct: SQLAlchemy runs the statement


class Rows:
    """The rows of one execution as dicts, with the part of SQLAlchemy's result API the write path uses."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[dict]):
        self.rows = rows

    def first(self):
        return self.rows[0] if self.rows else None

    def one(self) -> dict:
        if len(self.rows) != 1:
            raise sa.exc.NoResultFound("no row was found") if not self.rows else \
                sa.exc.MultipleResultsFound("more than one row was found")
        return self.rows[0]

    def scalar(self):
        return _first_column(self.rows[0]) if self.rows else None

    def scalar_one(self):
        return _first_column(self.one())

    def scalars(self) -> list:
        """The first column of every row."""
        return [_first_column(r) for r in self.rows]

    def all(self) -> list[dict]:
        return self.rows

    @classmethod
    def of(cls, result) -> "Rows":
        """SQLAlchemy's result, read the same way."""
        return cls([dict(m) for m in result.mappings()] if result.returns_rows else [])


def _first_column(row: dict):
    return next(iter(row.values()))


class _Plan:
    def __init__(self, compiled, stmt, dialect):
        self.sql = compiled.string
        binds = compiled.binds
        self.order = list(compiled.positiontup)
        self.processors = [_bind_processor(binds[name].type.dialect_impl(dialect), dialect) for name in self.order]
        self.defaults = {name: bp.effective_value for name, bp in binds.items() if not bp.required}
        # all names given (the usual case): the values picked in C, then the few processors applied
        self.pick = _picker(self.order)
        self.processed = [(i, proc) for i, proc in enumerate(self.processors) if proc is not None]
        columns = list(stmt.exported_columns)      # a DML statement without RETURNING has none
        self.results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        self.keys = None          # the result's column names, from the first execution's cursor

    def bound(self, params: dict) -> list:
        """The driver's positional values of one set of parameters, through the types' bind processors."""
        try:
            values = list(self.pick(params))
        except KeyError:
            return self._bound_with_defaults(params)
        for i, proc in self.processed:
            values[i] = proc(values[i])
        return values

    def _bound_with_defaults(self, params: dict) -> list:
        values = []
        for name, proc in zip(self.order, self.processors):
            v = params[name] if name in params else self.defaults[name]
            values.append(v if proc is None else proc(v))
        return values

    def run_many(self, raw, rows: list[dict], dbapi_error) -> None:
        """One executemany of a statement that returns nothing (the simulation's batched writes)."""
        values = [self.bound(params) for params in rows]
        try:
            raw.executemany(self.sql, values)
        except dbapi_error as exc:
            raise sa.exc.DBAPIError.instance(self.sql, values[:1], exc, dbapi_error) from exc

    def run(self, raw, params: dict, dbapi_error) -> Rows:
        values = self.bound(params)
        try:
            cursor = raw.execute(self.sql, values)
            fetched = cursor.fetchall() if cursor.description is not None else ()
        except dbapi_error as exc:
            raise sa.exc.DBAPIError.instance(self.sql, values, exc, dbapi_error) from exc
        if not fetched:
            return Rows([])
        if self.keys is None:
            self.keys = [d[0] for d in cursor.description]
            if len(self.keys) != len(self.results):
                raise AssertionError(f"{self.sql}: {len(self.keys)} columns, {len(self.results)} expected")
        procs, keys = self.results, self.keys
        return Rows([{k: (v if p is None or v is None else p(v)) for k, p, v in zip(keys, procs, row)}
                     for row in fetched])


def _picker(names: list):
    """params -> the tuple of their values in `names`' order (itemgetter gives a bare value for one name)."""
    if len(names) == 1:
        name = names[0]
        return lambda params: (params[name],)
    return itemgetter(*names) if names else (lambda params: ())


def _bind_processor(impl, dialect):
    """The type's bind processor; SQLite's DATETIME in its default storage format by isoformat, which
    writes the same text (tests/test_direct_statements.py) in a fraction of the time."""
    slow = impl.bind_processor(dialect)
    if type(impl) is not SQLITE_DATETIME or impl._storage_format != SQLITE_DATETIME._storage_format:
        return slow

    def process(value):
        if type(value) is dt.datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return slow(value)
    return process


class DirectExecutor:
    """Held by Statements (one per app): the plans of its statements, by statement and parameter names."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.enabled = dialect.name == "sqlite"
        self.dbapi_error = dialect.loaded_dbapi.Error if self.enabled else None
        self._plans: dict = {}

    def execute(self, conn, stmt, params: dict) -> Rows:
        if not self.enabled or not conn.in_transaction():
            return Rows.of(conn.execute(stmt, params))
        # the statement itself, not its id(): a plan must never outlive its statement and serve
        # another one that took its address
        key = (stmt, tuple(params))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(stmt, params)
        if plan is _FALLBACK:
            return Rows.of(conn.execute(stmt, params))
        return plan.run(conn.connection.driver_connection, params, self.dbapi_error)

    def execute_many(self, conn, stmt, rows: list[dict]) -> None:
        """`stmt` (without RETURNING) once per parameter set of `rows`, all with the same names."""
        if not rows:
            return
        if not self.enabled or not conn.in_transaction():
            conn.execute(stmt, rows)
            return
        key = (stmt, tuple(rows[0]))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(stmt, rows[0])
        if plan is _FALLBACK:
            conn.execute(stmt, rows)
            return
        plan.run_many(conn.connection.driver_connection, rows, self.dbapi_error)

    def _plan(self, stmt, params):
        keys = [k for k in params if isinstance(stmt, (sa.Insert, sa.Update))] or None
        compiled = stmt.compile(dialect=self.dialect, column_keys=keys)
        if (compiled.insert_prefetch or compiled.update_prefetch or compiled.literal_execute_params
                or compiled.post_compile_params or "POSTCOMPILE" in compiled.string):
            return _FALLBACK
        required = {name for name, bp in compiled.binds.items() if bp.required}
        if not required <= set(params) or compiled.positiontup is None:
            return _FALLBACK                 # SQLAlchemy says what is missing
        return _Plan(compiled, stmt, self.dialect)
