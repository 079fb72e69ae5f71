"""Compile problems: what an engine's compile step reports about a definition.

An engine only knows the path of the offending node (`("tables", "orders", "fields", "member",
"table")`); the builder turns the path into `file:line:col` through the marks it kept while loading.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

Path = tuple  # of str keys and int list indices


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    at_key: bool = False  # point at the key itself (unknown/duplicate names) rather than its value


def render_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close candidate exists, else ''."""
    close = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
