"""Text helpers. Each takes missing values (None) as empty text, because a blank optional field
should not make a message template's expression fail."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from engines.expr.errors import ExpressionError
from engines.expr.functions_math import number
from engines.expr.safety import MAX_LENGTH


def _text(s, fn: str) -> str:
    if s is None:
        return ""
    if isinstance(s, (str, int, Decimal)) and not isinstance(s, bool):
        return str(s)
    raise ExpressionError(f"{fn}() needs text, got {type(s).__name__}")


def len_(x):
    """len(text or list): number of characters or items; len(None) is 0."""
    if x is None:
        return 0
    if not isinstance(x, (str, list, tuple, dict, set)):
        raise ExpressionError(f"len() needs text or a list, got {type(x).__name__}")
    return len(x)


def upper(s):
    """upper(text)"""
    return _text(s, "upper").upper()


def lower(s):
    """lower(text)"""
    return _text(s, "lower").lower()


def strip(s):
    """strip(text): without leading and trailing spaces (also called trim)."""
    return _text(s, "strip").strip()


def contains(s, part):
    """contains(text, part): whether `part` occurs in `text` (case-sensitive)."""
    return _text(part, "contains") in _text(s, "contains")


def startswith(s, prefix):
    """startswith(text, prefix)"""
    return _text(s, "startswith").startswith(_text(prefix, "startswith"))


def endswith(s, suffix):
    """endswith(text, suffix)"""
    return _text(s, "endswith").endswith(_text(suffix, "endswith"))


def _count(n, fn):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ExpressionError(f"{fn}() needs a count of characters ≥ 0, got {n!r}")
    return n


def left(s, n):
    """left(text, n): the first n characters."""
    return _text(s, "left")[:_count(n, "left")]


def right(s, n):
    """right(text, n): the last n characters (right(phone, 4))."""
    n = _count(n, "right")
    return _text(s, "right")[-n:] if n else ""


def concat(*parts):
    """concat(a, b, ...): the parts as text, joined; None counts as empty."""
    out = "".join("" if p is None else str(p) for p in parts)
    if len(out) > MAX_LENGTH:
        raise ExpressionError(f"concat() result is longer than {MAX_LENGTH:,} characters")
    return out


def to_text(x):
    """str(x): x as text ('' for None)."""
    return "" if x is None else str(x)


def money(x, symbol="¥"):
    """money(amount, symbol='¥'): '¥1,234.50', two places rounded half up; negative as '-¥5.00'."""
    value = Decimal(number(x, "money")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{'-' if value < 0 else ''}{_text(symbol, 'money')}{abs(value):,.2f}"


def coalesce(*values):
    """coalesce(a, b, ...): the first value that is not None."""
    return next((v for v in values if v is not None), None)
