"""One row of an import file into field values: every cell parsed by its own field type.

A blank cell is left out: a new record gets the field's default, an updated one keeps its value.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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
    """Turns the cells of a sheet into Rows, for one mapping and key."""

    def __init__(self, form, available, headers, mapping, key=None):
        self.form, self.available, self.headers, self.key = form, available, headers, key
        self.columns = [(i, available[name]) for i, name in mapping.items() if name is not None]
        self.column_of = {name: headers[i] for i, name in mapping.items() if name is not None}

    def read(self, number: int, cells: list) -> Row:
        row = Row(number, cells)
        for i, tg in self.columns:
            cell = cells[i] if i < len(cells) else None
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            try:
                value = self._parse(tg, cell)
            except FieldError as exc:
                row.errors.append(RowError(number, self.headers[i], shown(cell), exc.message))
                continue
            if value is None:
                continue
            if tg.kind == "opening":
                row.opening.setdefault(tg.ledger, [None, None])[0] = value
            elif tg.kind == "expires":
                row.opening.setdefault(tg.ledger, [None, None])[1] = value
            elif tg.kind == "field":
                row.values[tg.name] = value
            if tg.name == self.key:
                row.key = value
        return row

    def _parse(self, tg, cell):
        if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] in FORMULA_START:
            cell = cell[1:]             # an export's defused formula text, read back as it was
        if tg.kind == "id":
            return _record_id(cell)
        return self.form.ftype(tg.field).parse_cell(tg.field, cell)

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


def _record_id(cell) -> int:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)        # a spreadsheet's 12.0
    return field_types()["link"].parse(None, cell)
