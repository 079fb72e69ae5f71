"""Turn a checked expression tree into a Python function, so a condition runs at bytecode speed.

simpleeval walks the tree in Python, one method call per node: about 70x the time of the same
condition written as a lambda. The tree has already passed the compiler's whitelist (no lambdas,
comprehensions, method calls or '_' names), so it is safe to compile once the few operations that
can grow without bound or reach into objects are routed through safety.py:

    name          -> _v['name']          (the variables mapping)
    f(...)        -> _f['f'](...)        (the context's function table)
    a.b           -> a['b'] inline when a is a dict holding 'b' (or a RecordView's plain loaded
                     field), else _attr(a, 'b') (links, lazy loads, public non-callable attributes)
    a ** b, a * b, a + b, a % b, << >>   -> the size-checked operators
    a / b         -> exact Decimal division of whole numbers

The function runs with empty builtins; names it could reach are only `_v`, `_f` and the helpers.
"""
from __future__ import annotations

import ast
import copy
from types import MappingProxyType

from engines.expr import safety
from engines.expr.records import RecordView

# the operators that can grow without bound: each calls its checked version from safety.py
_BINOPS = MappingProxyType({ast.Pow: "_pow", ast.Div: "_div", ast.Mult: "_mult", ast.Add: "_add",
                            ast.Mod: "_mod", ast.LShift: "_lshift", ast.RShift: "_rshift"})
_HELPERS = MappingProxyType({
    "_attr": safety.attr, "_type": type, "_dict": dict, "_view": RecordView,
    **{name: safety.OPERATORS[op] for op, name in _BINOPS.items()},
})


def _load(name):
    return ast.Name(id=name, ctx=ast.Load())


class _Rewrite(ast.NodeTransformer):
    def __init__(self):
        self.constants = {}          # Decimal literals cannot live in bytecode: globals _c0, _c1...
        self.temps = 0

    def visit_Constant(self, node):
        if type(node.value) in (int, str, bool, bytes, type(None)):
            return node
        name = f"_c{len(self.constants)}"
        self.constants[name] = node.value
        return ast.copy_location(_load(name), node)

    def visit_Name(self, node):
        return ast.copy_location(ast.Subscript(_load("_v"), ast.Constant(node.id), ast.Load()), node)

    def visit_Call(self, node):
        args = [self.visit(a) for a in node.args]
        keywords = [ast.keyword(k.arg, self.visit(k.value)) for k in node.keywords]
        func = ast.Subscript(_load("_f"), ast.Constant(node.func.id), ast.Load())
        return ast.copy_location(ast.Call(func, args, keywords), node)

    def visit_Attribute(self, node):
        # read a record's plain field inline, without a call; everything else goes through the
        # checked helper:  (_t[a] if (_k := type(_t := value)) is dict and a in _t
        #                   else _t._plain[a] if _k is RecordView and a in _t._plain else _attr(_t, a))
        temp, kind = f"_t{self.temps}", f"_k{self.temps}"
        self.temps += 1
        key = ast.Constant(node.attr)
        bind = ast.NamedExpr(ast.Name(temp, ast.Store()), self.visit(node.value))
        typed = ast.NamedExpr(ast.Name(kind, ast.Store()), ast.Call(_load("_type"), [bind], []))
        plain = ast.Attribute(_load(temp), "_plain", ast.Load())

        def when(kind_of, type_name, container):
            return ast.BoolOp(ast.And(), [ast.Compare(kind_of, [ast.Is()], [_load(type_name)]),
                                          ast.Compare(key, [ast.In()], [container])])
        slow = ast.Call(_load("_attr"), [_load(temp), key], [])
        view = ast.IfExp(when(_load(kind), "_view", plain), ast.Subscript(plain, key, ast.Load()), slow)
        fast = ast.IfExp(when(typed, "_dict", _load(temp)), ast.Subscript(_load(temp), key, ast.Load()), view)
        return ast.copy_location(fast, node)

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        helper = _BINOPS.get(type(node.op))
        if helper is None:
            return node
        return ast.copy_location(ast.Call(_load(helper), [node.left, node.right], []), node)


def to_function(body: ast.AST, source: str):
    """`lambda _v, _f: <body>` for a tree that compile_expression accepted."""
    rewrite = _Rewrite()
    lam = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[ast.arg("_v"), ast.arg("_f")],
                                        kwonlyargs=[], kw_defaults=[], defaults=[]),
                     body=rewrite.visit(copy.deepcopy(body)))  # the tree stays intact
    tree = ast.fix_missing_locations(ast.Expression(lam))
    code = compile(tree, f"<expression {source[:60]!r}>", "eval")
    # noqa below: the tree passed the compiler's whitelist, and the function has no builtins
    return eval(code, {"__builtins__": {}, **_HELPERS, **rewrite.constants})   # noqa: S307

