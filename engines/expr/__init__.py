"""The expression language shared by every engine: parsed once at compile time, evaluated many times."""
from engines.expr.compiler import Expression, ExpressionError, compile_expression
from engines.expr.context import EvalContext
from engines.expr.records import RecordView

__all__ = ["EvalContext", "Expression", "ExpressionError", "RecordView", "compile_expression"]
