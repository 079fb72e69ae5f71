"""`parallel: [check_stock, check_credit]`: every branch runs at once; a `join` node waits for all
of them before going on."""
from __future__ import annotations

NAME = "parallel"
HUMAN = False
OUTCOMES = None
REQUIRED = ()
SCHEMA = {"type": "array", "minItems": 2, "items": {"type": "string"}}


def edges(value) -> list[tuple[str, str, tuple]]:
    return [("", target, (i,)) for i, target in enumerate(value or ())]


def compile(value, ctx, path):
    return tuple(value)
