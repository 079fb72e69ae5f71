"""Build errors: `file:line:col: path: message`, collected rather than raised one by one."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.problems import render_path


@dataclass(frozen=True, order=True)
class Mark:
    file: str
    line: int    # 1-based
    column: int  # 1-based

    def __str__(self):
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class BuildError:
    mark: Mark
    path: tuple
    message: str

    def sort_key(self):
        return (self.mark, render_path(self.path), self.message)

    def __str__(self):
        where = render_path(self.path)
        return f"{self.mark}: {where + ': ' if where else ''}{self.message}"
