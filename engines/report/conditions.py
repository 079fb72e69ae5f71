"""Dataset and measure filters: `record.status == 'completed' and record.amount >= param.min_amount`.

`record.<path>` names dataset values (through links, `related:` names); `param.<name>` a dashboard
parameter; anything else is a literal. The shapes accepted are those that become SQL (comparisons,
`in`, and/or/not, a yes/no field alone): the builder refuses the rest at its line. A comparison with
a parameter nobody set is left out (true): an empty filter box means "everything".
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Mapping

import sqlalchemy as sa

from engines.expr import Expression, ExpressionError, compile_expression
from engines.form.fields import FieldError, field_types
from engines.form.row_filter import _mentions_record
from engines.form.row_filter import _record_path as _path   # the same shapes as permission filters
from engines.report.model import Ref
from engines.report.paths import PathError, resolve

_OPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}
_FLIP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}


@dataclass(frozen=True)
class Condition:
    source: str
    tree: ast.AST = field(repr=False, compare=False)
    refs: Mapping[str, Ref] = field(default_factory=dict, compare=False)   # "member.tier" -> Ref

    def sql(self, frame, params: Mapping | None = None) -> sa.ColumnElement:
        return _Translate(frame, self.refs, params or {}).node(self.tree)


def compile_condition(source, tables, table, related=None, params=()) -> Condition:
    """Parse and check a filter over `table`'s rows; raises ExpressionError with a plain message."""
    names = {n: {} for n in tables[table].fields} | {"id": {}, "created_at": {}, "updated_at": {}}
    names |= {n: None for n in (related or {})}
    record = {n: (None if tables[table].fields.get(n) is not None and tables[table].fields[n].type == "link"
                  else v) for n, v in names.items()}
    expr = compile_expression(source, {"record": record, "param": {p: {} for p in params}})
    refs = {}
    _check(expr.tree, tables, table, related, refs)
    return Condition(source=expr.source, tree=expr.tree, refs=refs)


def _ref(node, tables, table, related, refs):
    dotted = ".".join(_path(node))
    try:
        refs[dotted] = resolve(tables, table, dotted, related)
    except PathError as exc:
        raise ExpressionError(str(exc)) from None


def _check(node, tables, table, related, refs) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, tables, table, related, refs)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, tables, table, related, refs)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        pass
    elif isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:]):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not _path(left) or _mentions_record(right):
                    raise ExpressionError("'in' needs record.<field> on the left and a list of values on the right")
            elif type(op) not in _OPS:
                raise ExpressionError(f"'{type(op).__name__}' cannot be used in a report filter")
            sides = [s for s in (left, right) if _path(s)]
            if not sides:
                raise ExpressionError("each comparison in a report filter needs a record.<field> side")
            for s in (left, right):
                if s in sides:
                    _ref(s, tables, table, related, refs)
                elif _mentions_record(s):
                    raise ExpressionError("compare record.<field> with a value, not with a computation on the record")
    elif _path(node):
        _ref(node, tables, table, related, refs)           # a yes/no field
    else:
        raise ExpressionError(f"'{ast.unparse(node)}' cannot be used as a report filter; write comparisons "
                              "such as record.status == 'completed', joined by and/or")


class _Translate:
    def __init__(self, frame, refs, params):
        self.frame, self.refs, self.params = frame, refs, params

    def node(self, node):
        if isinstance(node, ast.BoolOp):
            parts = [self.node(v) for v in node.values]
            return sa.and_(*parts) if isinstance(node.op, ast.And) else sa.or_(*parts)
        if isinstance(node, ast.UnaryOp):
            return sa.not_(self.node(node.operand))
        if isinstance(node, ast.Constant):
            return sa.true() if node.value else sa.false()
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            return sa.and_(*[self.compare(op, a, b) for op, a, b in zip(node.ops, operands, operands[1:])])
        return self.column(node) == sa.true()

    def column(self, node):
        return self.frame.column(self.refs[".".join(_path(node))])

    def compare(self, op, left, right):
        if isinstance(op, (ast.In, ast.NotIn)):
            values = self.value(right)
            if values is None:
                return sa.true()
            values = list(values) if isinstance(values, (list, tuple, set, frozenset)) else [values]
            ref = self.refs[".".join(_path(left))]
            values = [v for v in (to_db(ref, x) for x in values) if v is not None and v is not UNREADABLE]
            cond = self.column(left).in_(values) if values else sa.false()
            return sa.not_(cond) if isinstance(op, ast.NotIn) else cond
        if _path(left) and _path(right):
            return _OPS[type(op)](self.column(left), self.column(right))
        if not _path(left):                   # 5 < record.x  ->  record.x > 5
            left, right, op = right, left, _FLIP[type(op)]()
        value = self.value(right)
        if value is None:
            return sa.true() if _mentions_param(right) else self.column(left).is_(None) \
                if isinstance(op, ast.Eq) else self.column(left).isnot(None)
        stored = to_db(self.refs[".".join(_path(left))], value)
        return sa.false() if stored is UNREADABLE else _OPS[type(op)](self.column(left), stored)

    def value(self, node):
        try:
            return Expression(source=ast.unparse(node), tree=node).evaluate(
                {"param": SimpleNamespace(**self.params)})
        except ExpressionError:
            return None


def _mentions_param(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "param" for n in ast.walk(node))


def to_db(ref: Ref, value):
    """`value` as the column stores it (a select's key, a link's id, a date); UNREADABLE when the
    field type cannot read it (`abc` for a link): such a value matches nothing."""
    if ref.field is None or ref.part is not None or value is None:
        return value
    ftype = field_types()[ref.field.type]
    try:
        return ftype.to_db(ref.field, ftype.coerce(ref.field, value))
    except (FieldError, TypeError, ValueError, ArithmeticError):
        return UNREADABLE


UNREADABLE = object()


def one_of(col, ref: Ref, values) -> sa.ColumnElement:
    """A dashboard filter: `col` (the SQL of the dimension `ref`) is one of the values picked; a value
    the field cannot read matches nothing."""
    stored = [v for v in (to_db(ref, x) for x in values) if v is not UNREADABLE]
    return col.in_(stored) if stored else sa.false()
