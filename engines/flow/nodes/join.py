"""`join: {}` with `next: ..`: waits until a token has arrived on each of its incoming edges (the
branches of a `parallel`), then goes on once."""
from __future__ import annotations

NAME = "join"
HUMAN = False
OUTCOMES = ("next",)
REQUIRED = ("next",)
SCHEMA = {"type": ["object", "null"], "additionalProperties": False, "properties": {}}


def compile(value, ctx, path):
    return None
