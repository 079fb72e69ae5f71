"""Build errors: `file:line:col: path: message`, collected rather than raised one by one."""
from __future__ import annotations

import re
from dataclasses import dataclass

from engines.common.problems import render_path

MAX_QUOTED = 80   # characters of a quoted value shown in a message


@dataclass(frozen=True, order=True)
class Mark:
    file: str
    line: int    # 1-based
    column: int  # 1-based

    def __str__(self):
        return f"{self.file}:{self.line}:{self.column}"


# a quote that opens a value: not right after a word (that would be the closing quote of the
# value before) and not before a space
_LONG_QUOTED = re.compile(r"(?<!\w)'([^'\s][^'\n]{%d,})'" % MAX_QUOTED)


def clip(message: str) -> str:
    """Shorten the long quoted values in a message: a definition can hold a 300 KB name, and the
    error about it should still fit on a line."""
    return _LONG_QUOTED.sub(lambda m: f"'{m.group(1)[:MAX_QUOTED - 3]}...'", message)


@dataclass(frozen=True)
class BuildError:
    mark: Mark
    path: tuple
    message: str

    def __post_init__(self):
        if len(self.message) > MAX_QUOTED:
            object.__setattr__(self, "message", clip(self.message))

    def sort_key(self):
        return (self.mark, render_path(self.path), self.message)

    def __str__(self):
        where = render_path(tuple(p[:MAX_QUOTED - 3] + "..." if isinstance(p, str) and len(p) > MAX_QUOTED
                                  else p for p in self.path))
        return f"{self.mark}: {where + ': ' if where else ''}{self.message}"
