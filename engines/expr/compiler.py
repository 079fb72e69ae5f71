"""Compile an expression once (parse, check names, freeze literals), evaluate the tree many times.

A definition is untrusted input. Compilation accepts only a whitelist of syntax (no lambdas,
comprehensions, method calls or names starting with '_'), refuses names and functions the scope
does not declare (so typos fail the build, not a run) and checks literal table and field names of
data functions. The checked tree then becomes a Python function (codegen.py) whose risky
operations go through the limits of safety.py; hand-built trees are walked by simpleeval instead.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping

from simpleeval import DISALLOW_METHODS, InvalidExpression

from engines.common.problems import did_you_mean
from engines.expr import data
from engines.expr.codegen import to_function
from engines.expr.errors import ExpressionError
from engines.expr.functions import NAMES, STANDALONE
from engines.expr.safety import MAX_DEPTH, MAX_SOURCE, Evaluator

__all__ = ["Expression", "ExpressionError", "compile_expression", "MAX_SOURCE"]

# A scope maps a name to None (opaque: any attribute) or to a mapping (or a callable returning
# one) of the attributes reachable through it, e.g. the fields of the record's table.
Scope = Mapping[str, Any]

_ALLOWED = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Attribute, ast.Call, ast.keyword,
            ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.List, ast.Tuple,
            ast.Dict, ast.Set, ast.Subscript, ast.Slice, ast.JoinedStr, ast.FormattedValue,
            ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_ERRORS = (InvalidExpression, ArithmeticError, TypeError, ValueError, KeyError, AttributeError,
           IndexError, RecursionError)


@dataclass(frozen=True)
class Expression:
    source: str
    tree: ast.AST = field(repr=False, compare=False)
    names: frozenset = frozenset()
    run: Callable | None = field(default=None, repr=False, compare=False)   # codegen's function

    def evaluate(self, variables: Mapping[str, Any], functions: Mapping[str, Callable] | None = None,
                 context=None):
        """The value for `variables` (name -> value). `context` (an EvalContext) supplies the
        app's zone, the random source and the database; without one, today() uses the default
        zone and data functions are unavailable. Errors name the expression."""
        funcs = STANDALONE if context is None else context.functions
        try:
            if functions:
                funcs = {**funcs, **functions}
            if self.run is not None:
                return self.run(variables, funcs)
            # a tree built by hand (row filters evaluate parts of theirs): simpleeval's walk
            evaluator = Evaluator(variables, funcs)
            evaluator.expr = self.source
            return evaluator._eval(self.tree)
        except ExpressionError as exc:
            raise ExpressionError(f"{self.source!r}: {exc}") from None
        except _ERRORS as exc:
            raise ExpressionError(f"{self.source!r}: {type(exc).__name__}: {exc}") from None


def compile_expression(source: str, scope: Scope, extra_functions: frozenset = frozenset(),
                       tables: Mapping[str, Any] | None = None) -> Expression:
    """Parse and check `source`. `scope`: the names it may use; `extra_functions`: names of
    functions the caller will pass to evaluate; `tables` (the app's table definitions): check the
    literal table and field names of lookup/count/sum/exists."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("empty expression")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"expression is longer than {MAX_SOURCE} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression: {exc.msg} at column {exc.offset}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is nested too deeply") from None
    _check_depth(tree)
    functions = NAMES | set(extra_functions)
    targets = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used: set[str] = set()
    for node in ast.walk(tree):
        _check_node(node, functions, tables)
        if isinstance(node, ast.Name) and id(node) not in targets:
            if node.id not in scope:
                raise ExpressionError(f"unknown name '{node.id}'{did_you_mean(node.id, scope)}")
            used.add(node.id)
    _check_attributes(tree, scope)
    tree = _DecimalLiterals().visit(tree)
    ast.fix_missing_locations(tree)
    return Expression(source=source.strip(), tree=tree.body, names=frozenset(used),
                      run=to_function(tree.body, source.strip()))


def _check_depth(tree) -> None:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_node(node, functions, tables) -> None:
    if not isinstance(node, _ALLOWED):
        raise ExpressionError(f"'{type(node).__name__}' is not allowed in expressions")
    if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in DISALLOW_METHODS):
        raise ExpressionError(f"attribute '{node.attr}' is not allowed")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionError(f"name '{node.id}' is not allowed")
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        raise ExpressionError("format specifications in f-strings are not allowed; use round() or money()")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in functions:
            name = getattr(node.func, "id", None) or ast.unparse(node.func)
            raise ExpressionError(f"unknown function '{name}'{did_you_mean(name, functions)}")
        if any(kw.arg is None for kw in node.keywords):
            raise ExpressionError("'**' arguments are not allowed")
        if node.func.id in data.DATA_FUNCTIONS:
            data.check_call(node, tables)


def _check_attributes(tree, scope: Scope) -> None:
    """Check chains such as record.member.tier against the declared scope."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain = []
        cur = node
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        if not isinstance(cur, ast.Name) or cur.id not in scope:
            continue
        level = scope[cur.id]
        for attr in reversed(chain):
            if level is None:
                break
            attrs = level() if callable(level) else level
            if attr not in attrs:
                raise ExpressionError(f"unknown field '{attr}'{did_you_mean(attr, attrs)}")
            level = attrs[attr]


class _DecimalLiterals(ast.NodeTransformer):
    """1.5 in a definition means exactly 1.5: money never meets a float."""

    def visit_Constant(self, node):
        if isinstance(node.value, float):
            return ast.copy_location(ast.Constant(Decimal(repr(node.value))), node)
        return node
