"""The expression language shared by every engine: parsed once at compile time, evaluated many times."""
from engines.expr.compiler import Expression, ExpressionError, compile_expression

__all__ = ["Expression", "ExpressionError", "compile_expression"]
