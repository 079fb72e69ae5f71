"""One row of an import file into field values: every cell parsed by its own field type.

A blank cell is left out: a new record gets the field's default, an updated one keeps its value.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from engines.common.labels import Label
from engines.form.fields import FieldError, field_types

MAX_SHOWN = 200    # characters of a bad value kept in a report
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")    # what a spreadsheet may take for a formula


@dataclass(frozen=True)
class RowError:
    row: int
    column: str          # the file's header (or the field's label when the file has no such column)
    value: str
    reason: Label


@dataclass
class Row:
    number: int
    cells: list
    values: dict = field(default_factory=dict)
    key: Any = None
    opening: dict = field(default_factory=dict)    # ledger table -> [amount, expires]
    errors: list = field(default_factory=list)


def shown(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, (dt.datetime, dt.date, dt.time)):
        cell = cell.isoformat()
    text = str(cell)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


class RowReader:
    """Turns the cells of a sheet into Rows, for one mapping and key. Each column's parser is worked
    out once (cell_parser): a sheet is read a million cells at a time."""

    def __init__(self, form, available, headers, mapping, key=None):
        self.form, self.available, self.headers, self.key = form, available, headers, key
        self.columns = [(i, available[name], self._parser(available[name]))
                        for i, name in mapping.items() if name is not None]
        self.column_of = {name: headers[i] for i, name in mapping.items() if name is not None}
        self.repeats = {i for i, tg, _p in self.columns        # columns of few distinct cells (memo)
                        if tg.kind != "id" and self.form.ftype(tg.field).cells_repeat}

    def _parser(self, tg):
        if tg.kind == "id":
            return _record_id
        ftype = self.form.ftype(tg.field)
        parse = ftype.cell_parser(tg.field)
        if tg.kind == "field" and tg.field.type == "link":
            return by_title(parse)
        return memo(parse) if ftype.cells_repeat else parse

    def read(self, number: int, cells: list) -> Row:
        row = Row(number, cells)
        values, size, key = row.values, len(cells), self.key
        for i, tg, parse in self.columns:
            cell = cells[i] if i < size else None
            if cell is None:
                continue
            if type(cell) is str:
                if not cell or cell.isspace():
                    continue
                if cell[0] == "'" and cell[1:2] in FORMULA_START:
                    cell = cell[1:]     # an export's defused formula text, read back as it was
            try:
                value = parse(cell)
            except FieldError as exc:
                row.errors.append(RowError(number, self.headers[i], shown(cell), exc.message))
                continue
            if value is None:
                continue
            kind = tg.kind
            if kind == "field":
                values[tg.name] = value
            elif kind == "opening":
                row.opening.setdefault(tg.ledger, [None, None])[0] = value
            elif kind == "expires":
                row.opening.setdefault(tg.ledger, [None, None])[1] = value
            if key is not None and tg.name == key:
                row.key = value
        return row

    def read_columns(self, numbers: list[int], cells: list[list]) -> tuple[list, dict]:
        """A chunk's cells column by column, as `read` parses them (the bulk path): [(target, values)],
        a value None where the cell is blank or left out, and row index -> [RowError] of bad cells."""
        n = len(cells)
        table = list(zip_longest(*cells))
        failed: dict[int, list] = {}
        out = []
        for i, tg, parse in self.columns:
            col = table[i] if i < len(table) else (None,) * n
            try:       # the common column: no bad cell and no defused formula; else cell by cell
                if i in self.repeats and set(map(type, col)) <= _TEXT:
                    # each distinct text once (as text, "1" is not confused with 1 or True)
                    seen = {c: None if c is None or c == "" else
                            parse(c) if c[0] != "'" and not c.isspace() else _blank(c) for c in set(col)}
                    values = [seen[c] for c in col]
                else:
                    values = [None if c is None or c == "" else
                              parse(c) if c.__class__ is not str or (c[0] != "'" and not c.isspace()) else _blank(c)
                              for c in col]
            except (FieldError, _Quoted):
                values = self._column_cells(i, parse, numbers, col, failed)
            out.append((tg, values))
        return out, failed

    def _column_cells(self, i, parse, numbers, col, failed):
        values = []
        for k, cell in enumerate(col):
            value = None
            if type(cell) is str:
                if not cell or cell.isspace():
                    cell = None
                elif cell[0] == "'" and cell[1:2] in FORMULA_START:
                    cell = cell[1:]
            if cell is not None:
                try:
                    value = parse(cell)
                except FieldError as exc:
                    failed.setdefault(k, []).append(RowError(numbers[k], self.headers[i], shown(cell), exc.message))
            values.append(value)
        return values

    def field_errors(self, row: Row, fields: dict, table: str) -> list[RowError]:
        """A refusal of the record service (field -> message) as errors naming the file's columns."""
        t = self.form.tables[table]
        out = []
        for name, reason in fields.items():
            column = self.column_of.get(name)
            if column is None:
                f = t.fields.get(name)
                column = f.label.get("zh") if f is not None else name
                value = ""
            else:
                index = self.headers.index(column)
                value = shown(row.cells[index] if index < len(row.cells) else None)
            out.append(RowError(row.number, column, value, reason))
        return out

    def error(self, row: Row, reason: Label, target: str | None = None) -> RowError:
        column = self.column_of.get(target, "") if target else ""
        value = ""
        if column:
            index = self.headers.index(column)
            value = shown(row.cells[index] if index < len(row.cells) else None)
        return RowError(row.number, column, value, reason)


_TEXT = {str, type(None)}


class _Quoted(Exception):
    """A text cell starting with an apostrophe: read_columns reads that column cell by cell."""


def _blank(cell):
    if cell is None or not cell or cell.isspace():
        return None
    raise _Quoted


@dataclass(frozen=True)
class Title:
    """A link cell that names its record instead of giving its id (looked up by link_titles.py)."""
    text: str


def by_title(parse_id):
    """A link column's parser: an id as before, any other text kept as a Title to look up."""
    def parse(cell):
        try:
            return parse_id(cell)
        except FieldError:
            if isinstance(cell, str):
                return Title(cell.strip())
            raise
    return parse


def memo(parse, size=10_000):
    """`parse` remembered per distinct cell (a column of options or dates holds few values); the
    first `size` cells only, so memory stays bounded. Keyed with the cell's type: 1, 1.0 and True
    are equal in Python but not to every field type."""
    seen: dict = {}

    def parse_remembered(cell):
        key = (type(cell), cell)
        hit = seen.get(key, seen)
        if hit is seen:
            try:
                hit = parse(cell)
            except FieldError as exc:
                hit = exc
            if len(seen) < size:
                seen[key] = hit
        if isinstance(hit, FieldError):
            raise FieldError(hit.message)
        return hit

    return parse_remembered


def _record_id(cell) -> int:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)        # a spreadsheet's 12.0
    return field_types()["link"].parse(None, cell)
