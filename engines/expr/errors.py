"""The one error type of the expression language (its own module so every part can raise it)."""


class ExpressionError(Exception):
    """A problem with an expression, at compile or evaluation time."""
