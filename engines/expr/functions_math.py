"""Numbers: rounding that money can trust (Decimal, half up), conversions, lotteries.

Every function checks its arguments and raises ExpressionError with a message a definition's
author can act on; the evaluator prefixes the expression.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from engines.expr.errors import ExpressionError

MAX_OPTIONS = 1000


def number(x, fn: str):
    """`x` as int or Decimal (floats become the Decimal of their repr); bools and text refused."""
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal)):
        raise ExpressionError(f"{fn}() needs a number, got {type(x).__name__} {x!r}")
    return Decimal(repr(x)) if isinstance(x, float) else x


def floor(x):
    """floor(x): the largest whole number ≤ x, as int (floor(-1.5) == -2)."""
    return int(math.floor(number(x, "floor")))


def ceil(x):
    """ceil(x): the smallest whole number ≥ x, as int."""
    return int(math.ceil(number(x, "ceil")))


def round_(x, places=0):
    """round(x, places=0): half away from zero (2.5 → 3, 0.125 → 0.13 at 2 places), as money is
    rounded, not Python's banker's rounding. Whole numbers come back as int, others as Decimal."""
    x = number(x, "round")
    if isinstance(places, bool) or not isinstance(places, int) or not -10 <= places <= 10:
        raise ExpressionError(f"round() places must be a whole number from -10 to 10, got {places!r}")
    value = Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) \
        if places >= 0 else (Decimal(x).scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_UP)
                             .scaleb(-places))
    return int(value) if places <= 0 else value


def _numbers(fn, values):
    if len(values) == 1 and isinstance(values[0], (list, tuple, set)):
        values = tuple(values[0])
    if not values:
        raise ExpressionError(f"{fn}() needs at least one value")
    return [number(v, fn) for v in values]


def min_(*values):
    """min(a, b, ...) or min(list): the smallest number."""
    return min(_numbers("min", values))


def max_(*values):
    """max(a, b, ...) or max(list): the largest number."""
    return max(_numbers("max", values))


def abs_(x):
    """abs(x): x without its sign."""
    return abs(number(x, "abs"))


def to_int(x):
    """int(x): a whole number from a number (truncated toward zero) or from text such as '42'."""
    if isinstance(x, str):
        try:
            return int(x.strip())
        except ValueError:
            raise ExpressionError(f"int() cannot read {x[:40]!r} as a whole number") from None
    return int(number(x, "int"))


def to_decimal(x, places=None):
    """decimal(x, places=None): an exact Decimal from a number or text ('12.50'); with `places`,
    rounded half up to that many places."""
    if isinstance(x, str):
        try:
            x = Decimal(x.strip())
        except InvalidOperation:
            raise ExpressionError(f"decimal() cannot read {x[:40]!r} as a number") from None
        if not x.is_finite():
            raise ExpressionError("decimal() needs a finite number")
    value = Decimal(number(x, "decimal"))
    return value if places is None else round_(value, places)


def random_choice(rng, options, weights=None):
    """random_choice(options, weights=None): one of `options`, with probability proportional to
    its weight (L9 lotteries). Weights are non-negative numbers, one per option, not all zero.
    The random source comes from the evaluation context, so tests and simulations can seed it."""
    if not isinstance(options, (list, tuple)) or not options:
        raise ExpressionError("random_choice() needs a non-empty list of options")
    if len(options) > MAX_OPTIONS:
        raise ExpressionError(f"random_choice() takes at most {MAX_OPTIONS} options")
    if weights is None:
        return options[rng.randrange(len(options))]
    if not isinstance(weights, (list, tuple)) or len(weights) != len(options):
        raise ExpressionError(f"random_choice() needs one weight per option ({len(options)}), "
                              f"got {len(weights) if isinstance(weights, (list, tuple)) else weights!r}")
    checked = [number(w, "random_choice") for w in weights]
    if any(w < 0 for w in checked):
        raise ExpressionError("random_choice() weights cannot be negative")
    if not any(checked):
        raise ExpressionError("random_choice() needs at least one weight above zero")
    return rng.choices(options, weights=[float(w) for w in checked])[0]
