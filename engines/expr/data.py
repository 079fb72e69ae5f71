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


def bind_where(ctx, fn, table, sql, conditions) -> tuple[tuple, dict]:
    """field=value conditions as (shape, parameters): the shape names each condition's column and
    kind ('eq', 'null', 'in': a list value means 'one of'), so that one statement per shape is built
    and kept (where_clauses), and each call only binds its values."""
    fields = ctx.form.tables[table].fields
    shape, params = [], {}
    for i, (name, value) in enumerate(conditions.items()):
        _column(ctx, fn, table, sql, name)
        if isinstance(value, (list, tuple, set)):
            shape.append((name, "in"))
            params[f"w{i}"] = [v for v in (_db(ctx, fields.get(name), x) for x in value) if v is not None]
            continue
        item = _db(ctx, fields.get(name), value)
        shape.append((name, "null" if item is None else "eq"))
        if item is not None:
            params[f"w{i}"] = item
    return tuple(shape), params


def where_clauses(sql, shape) -> list:
    out = []
    for i, (name, kind) in enumerate(shape):
        col = sql.c[name]
        if kind == "in":
            out.append(col.in_(sa.bindparam(f"w{i}", expanding=True)))
        else:
            out.append(col.is_(None) if kind == "null" else col == sa.bindparam(f"w{i}", type_=col.type))
    return out


def _run(ctx, fn, table, sql, conditions, what, build):
    """Execute the statement `build(where clauses)` for this shape of conditions, built once per app."""
    shape, params = bind_where(ctx, fn, table, sql, conditions)
    stmt = ctx.form.statements.custom(("data", fn, table, what, shape), lambda: build(where_clauses(sql, shape)))
    return ctx.need_connection(f"{fn}()").execute(stmt, params)


def _db(ctx, f, value):
    if not isinstance(value, str):          # a record (RecordView, LinkValue) stands for its id
        value = link_id(value)
    if f is None or value is None:
        return value
    ftype = ctx.form.ftype(f)
    if isinstance(value, str):
        value = ftype.match_value(f, value)
    try:
        return ftype.to_db(f, value)
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"{f.name}: {exc}") from None


def lookup(ctx, table, get=None, **conditions):
    """lookup('table', field=value, ..., get='field'): that field of the first matching record
    (lowest id), or None when none matches. Without `get`, the record itself (lookup(...).tier)."""
    sql = _table(ctx, "lookup", table)
    col = sql.c.id if get is None else _column(ctx, "lookup", table, sql, get)
    value = _run(ctx, "lookup", table, sql, conditions, col.key,
                 lambda where: sa.select(col).where(*where).order_by(sql.c.id).limit(1)).scalar()
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
    return _run(ctx, "count", table, sql, conditions, None,
                lambda where: sa.select(sa.func.count()).select_from(sql).where(*where)).scalar() or 0


def sum_(ctx, table, field, **conditions):
    """sum('table', 'field', field=value, ...): the total of `field` over matching records
    (0 when none match), e.g. sum('orders', 'amount', member=record.member, status='completed')."""
    sql = _table(ctx, "sum", table)
    col = _column(ctx, "sum", table, sql, field)
    value = _run(ctx, "sum", table, sql, conditions, col.key,
                 lambda where: sa.select(sa.func.coalesce(sa.func.sum(col), 0)).where(*where)).scalar()
    f = ctx.form.tables[table].fields.get(field)
    return ctx.form.ftype(f).from_db(f, value) if f is not None and value is not None else value


def exists(ctx, table, **conditions):
    """exists('table', field=value, ...): whether at least one record matches."""
    sql = _table(ctx, "exists", table)
    return _run(ctx, "exists", table, sql, conditions, None,
                lambda where: sa.select(sql.c.id).where(*where).limit(1)).first() is not None
