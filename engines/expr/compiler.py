"""Compile an expression once (parse, check names, freeze literals), evaluate the tree many times.

A definition is untrusted input: simpleeval refuses dunders, imports and huge powers/strings; we
also refuse names the scope does not declare, at compile time, so typos fail the build, not a run.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping

from simpleeval import EvalWithCompoundTypes, InvalidExpression

from engines.common.problems import did_you_mean
from engines.expr.functions import FUNCTIONS

MAX_SOURCE = 2000


class ExpressionError(Exception):
    """A problem with an expression, at compile or evaluation time."""


# A scope maps a name to None (opaque: any attribute) or to a callable returning the
# attribute scope of that name (e.g. the fields of the record's table).
Scope = Mapping[str, Any]


@dataclass(frozen=True)
class Expression:
    source: str
    tree: ast.AST = field(repr=False, compare=False)
    names: frozenset = frozenset()

    def evaluate(self, variables: Mapping[str, Any], functions: Mapping[str, Callable] | None = None):
        funcs = dict(FUNCTIONS)
        if functions:
            funcs.update(functions)
        evaluator = EvalWithCompoundTypes(names=dict(variables), functions=funcs)
        try:
            return evaluator.eval(self.source, previously_parsed=self.tree)
        except ExpressionError:
            raise
        except (InvalidExpression, ArithmeticError, TypeError, ValueError, KeyError,
                AttributeError, IndexError) as exc:
            raise ExpressionError(f"{self.source!r}: {exc}") from None


def compile_expression(source: str, scope: Scope, extra_functions: frozenset = frozenset()) -> Expression:
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("empty expression")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"expression is longer than {MAX_SOURCE} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression: {exc.msg} at column {exc.offset}") from None
    functions = set(FUNCTIONS) | set(extra_functions)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Lambda, ast.NamedExpr, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp, ast.Await, ast.Yield, ast.YieldFrom, ast.Starred)):
            raise ExpressionError(f"'{type(node).__name__}' is not allowed in expressions")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"attribute '{node.attr}' is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in functions:
                name = getattr(node.func, "id", None) or ast.unparse(node.func)
                raise ExpressionError(f"unknown function '{name}'{did_you_mean(name, functions)}")
        elif isinstance(node, ast.Name) and not _is_call_target(tree, node):
            if node.id not in scope:
                raise ExpressionError(f"unknown name '{node.id}'{did_you_mean(node.id, scope)}")
            used.add(node.id)
    _check_attributes(tree, scope)
    tree = _DecimalLiterals().visit(tree)
    ast.fix_missing_locations(tree)
    return Expression(source=source.strip(), tree=tree.body, names=frozenset(used))


def _is_call_target(tree, name_node) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name_node for n in ast.walk(tree))


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
