"""Functions that read the app's tables: lookup, count, sum, exists.

Each is ONE parameterised SQLAlchemy Core query on the app's table, run on the connection of the
evaluation context (the rules engine passes its Writer's connection, so reads see the
transaction's own writes). Table and field names given as literal strings are checked when the
expression is compiled; values always travel as bound parameters, never in the SQL text.
"""
from __future__ import annotations

import ast

import sqlalchemy as sa

from engines.common.problems import did_you_mean
from engines.expr.errors import ExpressionError
from engines.expr.records import link_id

SYSTEM = ("id", "created_at", "updated_at", "created_by", "updated_by")
DATA_FUNCTIONS = frozenset({"lookup", "count", "sum", "exists"})


def check_call(node: ast.Call, tables) -> None:
    """Compile-time check of a data function call whose names are literal strings."""
    fn = node.func.id
    if not node.args:
        raise ExpressionError(f"{fn}() needs the table name first, e.g. {fn}('orders', ...)")
    if tables is None or not _literal(node.args[0]):
        return
    table = node.args[0].value
    if table not in tables:
        raise ExpressionError(f"{fn}(): unknown table '{table}'{did_you_mean(table, tables)}")
    names = (*tables[table].fields, *SYSTEM)
    checked = [kw.arg for kw in node.keywords if kw.arg not in (None, "get")]
    checked += [kw.value.value for kw in node.keywords if kw.arg == "get" and _literal(kw.value)]
    if fn == "sum":
        if len(node.args) != 2:
            raise ExpressionError("sum() needs a table and a field: sum('orders', 'amount', member=...)")
        if _literal(node.args[1]):
            checked.append(node.args[1].value)
    elif len(node.args) != 1:
        raise ExpressionError(f"{fn}() takes the table name, then field=value conditions")
    for name in checked:
        if name not in names:
            raise ExpressionError(f"{fn}(): table '{table}' has no field '{name}'{did_you_mean(name, names)}")


def _literal(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _table(ctx, fn, table):
    form = ctx.form
    if form is None:
        raise ExpressionError(f"{fn}() reads the app's tables and is not available here")
    if not isinstance(table, str) or table not in form.tables:
        raise ExpressionError(f"{fn}(): unknown table {table!r}{did_you_mean(str(table), form.tables)}")
    return form.sql[table]


def _column(ctx, fn, table, sql, name):
    if name not in sql.c or name.startswith("_"):
        raise ExpressionError(f"{fn}(): table '{table}' has no field {name!r}"
                              f"{did_you_mean(str(name), [c for c in sql.c.keys()])}")
    return sql.c[name]


def _where(ctx, fn, table, sql, conditions):
    """field=value conditions as bound-parameter comparisons; a list value means 'one of'."""
    fields = ctx.form.tables[table].fields
    out = []
    for name, value in conditions.items():
        col = _column(ctx, fn, table, sql, name)
        values = value if isinstance(value, (list, tuple, set)) else None
        items = [_db(ctx, fields.get(name), v) for v in (values if values is not None else [value])]
        if values is not None:
            out.append(col.in_([v for v in items if v is not None]))
        else:
            out.append(col.is_(None) if items[0] is None else col == items[0])
    return out


def _db(ctx, f, value):
    if not isinstance(value, str):          # a record (RecordView, LinkValue) stands for its id
        value = link_id(value)
    if f is None or value is None:
        return value
    try:
        return ctx.form.ftype(f).to_db(f, value)
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"{f.name}: {exc}") from None


def lookup(ctx, table, get=None, **conditions):
    """lookup('table', field=value, ..., get='field'): that field of the first matching record
    (lowest id), or None when none matches. Without `get`, the record itself (lookup(...).tier)."""
    sql = _table(ctx, "lookup", table)
    col = sql.c.id if get is None else _column(ctx, "lookup", table, sql, get)
    stmt = sa.select(col).where(*_where(ctx, "lookup", table, sql, conditions)).order_by(sql.c.id).limit(1)
    value = ctx.need_connection("lookup()").execute(stmt).scalar()
    if value is None:
        return None
    if get is None:
        return ctx.cache.view(table, value)
    f = ctx.form.tables[table].fields.get(get)
    if f is not None and f.type == "link":
        return ctx.cache.view(f.table, value)
    return value if f is None else ctx.form.ftype(f).from_db(f, value)


def count(ctx, table, **conditions):
    """count('table', field=value, ...): how many records match, e.g.
    count('check_ins', member=record.member, day=today())."""
    sql = _table(ctx, "count", table)
    stmt = sa.select(sa.func.count()).select_from(sql).where(*_where(ctx, "count", table, sql, conditions))
    return ctx.need_connection("count()").execute(stmt).scalar() or 0


def sum_(ctx, table, field, **conditions):
    """sum('table', 'field', field=value, ...): the total of `field` over matching records
    (0 when none match), e.g. sum('orders', 'amount', member=record.member, status='completed')."""
    sql = _table(ctx, "sum", table)
    col = _column(ctx, "sum", table, sql, field)
    stmt = sa.select(sa.func.coalesce(sa.func.sum(col), 0)).where(*_where(ctx, "sum", table, sql, conditions))
    value = ctx.need_connection("sum()").execute(stmt).scalar()
    f = ctx.form.tables[table].fields.get(field)
    return ctx.form.ftype(f).from_db(f, value) if f is not None and value is not None else value


def exists(ctx, table, **conditions):
    """exists('table', field=value, ...): whether at least one record matches."""
    sql = _table(ctx, "exists", table)
    stmt = sa.select(sql.c.id).where(*_where(ctx, "exists", table, sql, conditions)).limit(1)
    return ctx.need_connection("exists()").execute(stmt).first() is not None
