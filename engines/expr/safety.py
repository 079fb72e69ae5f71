"""Limits that keep an untrusted expression cheap, and the evaluator that applies them.

simpleeval's own limits are loose for our use (MAX_POWER 4,000,000 lets `9**4000000` run for
seconds). The checked operators below serve both compiled expressions (codegen.py) and
simpleeval's tree walk (Evaluator); simpleeval's module globals are left alone (changing them would
change every other user of simpleeval in the process).
"""
from __future__ import annotations

import ast
import operator as op
from decimal import Decimal
from types import MappingProxyType

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes, FeatureNotAvailable, SimpleEval

from engines.expr.errors import ExpressionError
from engines.expr.records import RecordView

MAX_SOURCE = 2000          # characters in a definition's expression
MAX_DEPTH = 40             # nesting of the syntax tree
MAX_EXPONENT = 100         # right side of **
MAX_INT_BITS = 4096        # about 1,200 decimal digits: far beyond any money or points value
MAX_LENGTH = 100_000       # characters of a string, items of a list


def _too_big(value) -> bool:
    return type(value) is int and value.bit_length() > MAX_INT_BITS


def _sized(value):
    if _too_big(value):
        raise ExpressionError(f"number too large (over {MAX_INT_BITS} bits)")
    if isinstance(value, (str, list, tuple, dict, set)) and len(value) > MAX_LENGTH:
        raise ExpressionError(f"value too long (over {MAX_LENGTH:,} items or characters)")
    return value


def safe_power(a, b):
    if isinstance(b, (int, Decimal)) and abs(b) > MAX_EXPONENT:
        raise ExpressionError(f"exponent larger than {MAX_EXPONENT}")
    if type(a) is int and type(b) is int and b > 0 and a.bit_length() * b > MAX_INT_BITS:
        raise ExpressionError(f"number too large (over {MAX_INT_BITS} bits)")
    if type(a) is int and type(b) is int and b < 0:
        return Decimal(a) ** b               # 2 ** -1 is Decimal 0.5, not a float
    return a ** b


def safe_div(a, b):
    # 7 / 2 is 3.5 exactly: whole numbers divide as Decimal, so money never turns into a float
    if b == 0:
        raise ExpressionError("division by zero")
    if type(a) is int and type(b) is int:
        return Decimal(a) / Decimal(b)
    return a / b


def safe_mult(a, b):
    # check the size before building it: 'a' * 10**9 must fail without allocating a gigabyte
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and n * len(seq) > MAX_LENGTH:
            raise ExpressionError(f"value too long (over {MAX_LENGTH:,} items or characters)")
    if type(a) is int and type(b) is int and a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
        raise ExpressionError(f"number too large (over {MAX_INT_BITS} bits)")
    return a * b


def safe_add(a, b):
    if isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)) \
            and len(a) + len(b) > MAX_LENGTH:
        raise ExpressionError(f"value too long (over {MAX_LENGTH:,} items or characters)")
    return a + b


def safe_mod(a, b):
    # '%0999999999d' % 1 would build a gigabyte: printf-style formatting is not part of the language
    if isinstance(a, (str, bytes)):
        raise ExpressionError("'%' on text is not allowed; use concat() or money()")
    return a % b


def safe_shift(shift):
    def checked(a, b):
        if abs(b) > 64:
            raise ExpressionError(f"shift by {b} is larger than 64")
        return _sized(shift(a, b))
    return checked


OPERATORS = MappingProxyType({**DEFAULT_OPERATORS, ast.Pow: safe_power, ast.Mult: safe_mult,
                              ast.Add: safe_add, ast.Mod: safe_mod, ast.Div: safe_div,
                              ast.LShift: safe_shift(op.lshift), ast.RShift: safe_shift(op.rshift)})



def attr(obj, name: str):
    """obj.name for compiled code: a dict's key (records are dicts in formulas), else a public,
    non-callable attribute. '_' names never reach here (refused at compile time)."""
    if name[:1] == "_":          # refused at compile time too; this guards hand-built trees
        raise ExpressionError(f"attribute '{name}' is not allowed")
    kind = type(obj)
    if kind is dict:
        try:
            return obj[name]
        except KeyError:
            raise ExpressionError(f"no field '{name}'") from None
    if kind is RecordView:
        values = obj._values          # fast path, inlined: a plain field already loaded
        if values is not None and name in values and name not in obj._links:
            return values[name]
        try:
            return obj.read(name)
        except AttributeError:
            raise ExpressionError(f"{obj!r} has no field '{name}'") from None
    try:
        value = getattr(obj, name)
    except AttributeError:
        try:
            return obj[name]
        except (KeyError, TypeError, AttributeError):
            raise ExpressionError(f"{type(obj).__name__} has no attribute '{name}'") from None
    if callable(value):      # a method or a module function: nothing an expression may hold
        raise ExpressionError(f"'{name}' is not a value")
    return value


# node type -> unbound handler: one table for every evaluator instead of a dict per instance
_HANDLERS = MappingProxyType({
    ast.Name: SimpleEval._eval_name, ast.UnaryOp: SimpleEval._eval_unaryop,
    ast.BinOp: SimpleEval._eval_binop, ast.BoolOp: SimpleEval._eval_boolop,
    ast.Compare: SimpleEval._eval_compare, ast.IfExp: SimpleEval._eval_ifexp,
    ast.Call: SimpleEval._eval_call, ast.keyword: SimpleEval._eval_keyword,
    ast.Subscript: SimpleEval._eval_subscript,
    ast.Attribute: lambda self, node: attr(self._eval(node.value), node.attr),   # as compiled code does
    ast.Slice: SimpleEval._eval_slice, ast.JoinedStr: SimpleEval._eval_joinedstr,
    ast.FormattedValue: SimpleEval._eval_formattedvalue,
    ast.Constant: lambda self, node: node.value,   # short: the source is at most MAX_SOURCE
    ast.Dict: EvalWithCompoundTypes._eval_dict, ast.Tuple: EvalWithCompoundTypes._eval_tuple,
    ast.List: EvalWithCompoundTypes._eval_list, ast.Set: EvalWithCompoundTypes._eval_set,
})
_PLAIN = frozenset({int, str, bool, type(None), Decimal})


class Evaluator(EvalWithCompoundTypes):
    """simpleeval's tree walk with our operators, built in a few attribute stores.

    The base constructor builds a 20-entry dispatch dict and scans the function table on every
    instance; ours shares a constant table (the functions are vetted once, in functions.py), so a
    fresh evaluator per evaluation is cheap and nothing is shared between threads.
    """

    def __init__(self, names, functions):   # noqa: super().__init__ deliberately not called
        self.names, self.functions, self.operators = names, functions, OPERATORS
        self.allowed_attrs, self.ATTR_INDEX_FALLBACK, self.expr, self.nodes = None, True, "", None

    def __del__(self):
        pass

    def _eval(self, node):
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise FeatureNotAvailable(f"{type(node).__name__} is not allowed in expressions")
        result = handler(self, node)
        if type(result) not in _PLAIN:
            self._check_disallowed_items(result)
            _sized(result)
        elif type(result) is str and len(result) > MAX_LENGTH:
            _sized(result)
        return result
