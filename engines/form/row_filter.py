"""Row-level permission filters: an expression such as `record.store == user.store` becomes a SQL
condition, so lists, counts and single-record checks all filter in the database.

`record.<field>` (also through links: `record.member.tier`) names columns; every other operand
(`user.<field>`, literals, lists) is a value evaluated once per request. Only what translates to SQL
is accepted, and the builder reports anything else at its line. A comparison with a missing value
(a user without a profile record) matches nothing: an unknown never widens access.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field

import sqlalchemy as sa

from engines.expr import EvalContext, Expression, ExpressionError, compile_expression
from engines.form.fields import FieldError
from engines.form.model import SYSTEM_COLUMNS

_OPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}
_FLIP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}
USER_ATTRS = ("id", "username")


def field_scope(tables, tname, depth=0):
    """The expression scope of a table's fields (and its system columns): links open onto their
    target's fields."""
    out = {name: {} for name in SYSTEM_COLUMNS}
    for name, f in tables[tname].fields.items():
        if f.type == "link" and f.table in tables and depth < 4:
            out[name] = (lambda tt=f.table, d=depth: field_scope(tables, tt, d + 1))
        else:
            out[name] = {}          # a plain value: no attributes to reach through it
    return out


def user_scope(tables, profile: str | None) -> dict:
    scope = {a: None for a in USER_ATTRS}
    if profile in tables:
        scope.update({n: None for n in tables[profile].fields})
    return scope


@dataclass(frozen=True)
class RowFilter:
    source: str
    tree: ast.AST = field(repr=False, compare=False)
    table: str = ""

    @classmethod
    def compile(cls, source: str, tables, tname: str, profile: str | None) -> "RowFilter":
        expr = compile_expression(source, {"record": lambda: field_scope(tables, tname),
                                           "user": user_scope(tables, profile)})
        flt = cls(source=expr.source, tree=expr.tree, table=tname)
        _check(flt.tree, tables, tname)
        return flt

    def condition(self, form, user) -> sa.ColumnElement:
        """The SQL condition for `user` (an object with the `user.` attributes)."""
        return _Translate(form, user).node(self.tree, self.table)


def path_condition(form, table: str, path, op, value) -> sa.ColumnElement:
    """`op(record.<path>, value)` on `table`; links become `IN (SELECT id ...)` sub-queries."""
    sql = form.sql[table]
    f = form.tables[table].fields.get(path[0])
    if f is None:                                   # a system column: id, created_at, ...
        value = getattr(value, "id", value)
        if op == "in":
            return sql.c[path[0]].in_([getattr(v, "id", v) for v in value if v is not None])
        if op is _empty:
            return sql.c[path[0]].is_(None)
        return sa.false() if value is None else op(sql.c[path[0]], value)
    if len(path) > 1:
        sub = sa.select(form.sql[f.table].c.id).where(path_condition(form, f.table, path[1:], op, value))
        return sql.c[path[0]].in_(sub)
    col = sql.c[path[0]]
    if op is _empty:
        return col.is_(None)
    if op == "in":
        values = [v for v in (_db(form, f, x) for x in value) if v is not None]
        return col.in_(values) if values else sa.false()
    value = _db(form, f, value)
    if value is None:
        return sa.false()
    return op(col, value)


def _empty(col, _value):
    return col.is_(None)


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _db(form, f, value):
    """`value` as the column stores it; None when it is missing or not a value of the field."""
    if value is None:
        return None
    ftype = form.ftype(f)
    if f.type in ("link", "user") and hasattr(value, "id"):
        value = value.id
    try:
        return ftype.to_db(f, ftype.coerce(f, value))
    except (FieldError, TypeError, ValueError):
        return None


def _record_path(node) -> list[str] | None:
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "record" and chain:
        return list(reversed(chain))
    return None


def _mentions_record(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "record" for n in ast.walk(node))


def _stored(tables, tname, path) -> bool:
    """Whether record.<path> ends at a stored column (not a computed, multi or lookup field)."""
    for i, name in enumerate(path):
        f = tables[tname].fields.get(name)
        if f is None:                       # a system column (id, created_at, ...): stored
            return i == len(path) - 1
        if i < len(path) - 1:
            if f.type != "link":
                return False
            tname = f.table
        elif f.type in ("formula", "lookup", "rollup", "multi_link", "multi_select"):
            return False
    return True


def _check(node, tables, tname) -> None:
    """Refuse, at build time, any shape `_Translate` could not turn into SQL."""
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, tables, tname)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, tables, tname)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        pass
    elif isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:]):
            sides = [s for s in (left, right) if _record_path(s)]
            if isinstance(op, (ast.Is, ast.IsNot)):
                if not (_record_path(left) and _is_none(right)):
                    raise ExpressionError("'is' needs record.<field> on the left and None on the right")
            elif isinstance(op, (ast.In, ast.NotIn)):
                if not _record_path(left) or _mentions_record(right):
                    raise ExpressionError("'in' needs record.<field> on the left and a list of values on the right")
            elif type(op) not in _OPS:
                raise ExpressionError(f"'{type(op).__name__}' cannot be used in a permission filter")
            if not sides:
                raise ExpressionError("each comparison in a permission filter needs a record.<field> side")
            for s in (left, right):
                if s not in sides and _mentions_record(s):
                    raise ExpressionError("compare record.<field> with a value, not with a computation on the record")
                if s in sides and not _stored(tables, tname, _record_path(s)):
                    raise ExpressionError(f"'{ast.unparse(s)}' is computed and cannot be filtered on")
            if len(sides) == 2 and (len(_record_path(left)) > 1 or len(_record_path(right)) > 1):
                raise ExpressionError("two record fields can only be compared on the record itself, not through links")
    elif _record_path(node) and _stored(tables, tname, _record_path(node)):
        pass                                     # a yes/no field
    else:
        raise ExpressionError(f"'{ast.unparse(node)}' cannot be used as a permission filter; "
                              "write comparisons such as record.store == user.store, joined by and/or")


class _Translate:
    def __init__(self, form, user):
        self.form, self.user = form, user
        self.context = None

    def node(self, node, table):
        if isinstance(node, ast.BoolOp):
            parts = [self.node(v, table) for v in node.values]
            return sa.and_(*parts) if isinstance(node.op, ast.And) else sa.or_(*parts)
        if isinstance(node, ast.UnaryOp):
            return sa.not_(self.node(node.operand, table))
        if isinstance(node, ast.Constant):
            return sa.true() if node.value else sa.false()
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            return sa.and_(*[self.compare(op, a, b, table)
                             for op, a, b in zip(node.ops, operands, operands[1:])])
        return path_condition(self.form, table, _record_path(node), operator.eq, True)

    def compare(self, op, left, right, table):
        lpath, rpath = _record_path(left), _record_path(right)
        if isinstance(op, (ast.Is, ast.IsNot)):       # record.x is None: an empty field
            empty = path_condition(self.form, table, lpath, _empty, None)
            return sa.not_(empty) if isinstance(op, ast.IsNot) else empty
        if isinstance(op, (ast.In, ast.NotIn)):
            values = self.value(right)
            values = list(values) if isinstance(values, (list, tuple, set, frozenset)) else [values]
            cond = path_condition(self.form, table, lpath, "in", values)
            return sa.not_(cond) if isinstance(op, ast.NotIn) else cond
        if lpath and rpath:
            sql = self.form.sql[table]
            return _OPS[type(op)](sql.c[lpath[0]], sql.c[rpath[0]])
        if not lpath:                         # 5 < record.x  ->  record.x > 5
            lpath, right, op = rpath, left, _FLIP[type(op)]()
        return path_condition(self.form, table, lpath, _OPS[type(op)], self.value(right))

    def value(self, node):
        if self.context is None:          # today() in the app's zone: `record.on_sale_from <= today()`
            self.context = EvalContext(timezone=getattr(self.form, "timezone", None))
        try:
            return Expression(source=ast.unparse(node), tree=node).evaluate({"user": self.user}, context=self.context)
        except ExpressionError:
            return None
