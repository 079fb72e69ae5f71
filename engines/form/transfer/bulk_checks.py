"""The bulk path's checks, a column of a chunk at a time: what `Writer.create` checks row by row.

Per stored field: the parsed column (or the field's default where a cell is blank or the column is
absent), fields the person may not set, required, the type's `validate`; then links (one query per
link field) and unique values (one query per unique field, and against the chunk's other rows). A
column of defaults is checked once; `validate` is skipped where the type and field constrain nothing,
and remembered per distinct value for the types whose cells repeat (select, date, boolean).
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.fields import FieldError
from engines.form.fields.base import FieldType
from engines.form.reading import scoped
from engines.form.transfer.cells import Row
from engines.form.validation import check_value

ALREADY_USED = msg("is already used by another record", "已被其他记录使用")
NOT_YOURS = msg("you may not set this field", "你没有权限填写此字段")
REQUIRED = msg("is required", "必填")


class Chunk:
    """Rows of a file column by column: row k is numbers[k] with cells[k]."""

    def __init__(self, numbers: list[int], cells: list[list]):
        self.numbers, self.cells, self.n = numbers, cells, len(numbers)
        self.values: dict[str, list] = {}        # stored field -> its n values
        self.opening: dict[str, list] = {}       # ledger table -> [amounts, expiries] (lists or None)
        self.failed: dict[int, list] = {}        # row index -> [RowError]: such a row is not written

    def fail(self, k, errors) -> None:
        self.failed.setdefault(k, []).extend(errors)


class ColumnChecks:
    def __init__(self, importer, checks, locked, to_db):
        self.imp, self.form, self.t = importer, importer.form, importer.table
        self.checks = [(name, f, ftype, default, dynamic, _validator(ftype, f))
                       for name, f, ftype, default, dynamic in checks]
        self.locked, self.to_db = locked, to_db

    def read(self, conn, numbers, cells) -> Chunk:
        chunk = Chunk(numbers, cells)
        columns, chunk.failed = self.imp.reader.read_columns(numbers, cells)
        given = {}
        for tg, values in columns:
            if tg.kind == "field":
                given[tg.name] = values
            elif tg.kind in ("opening", "expires"):
                chunk.opening.setdefault(tg.ledger, [None, None])[tg.kind == "expires"] = values
        for name, values in given.items():        # link cells by title (link_titles.py)
            for k, error in self.imp.titles.resolve_column(conn, name, values, numbers).items():
                chunk.fail(k, [error])
        bad: dict[int, dict] = {}
        for name, f, ftype, default, dynamic, validate in self.checks:
            chunk.values[name] = self._column(chunk.n, name, f, ftype, default, dynamic, validate,
                                              given.get(name), bad)
        self._report(chunk, bad, skip_failed=True)
        return chunk

    def _column(self, n, name, f, ftype, default, dynamic, validate, col, bad):
        def refuse(k, why):
            bad.setdefault(k, {}).setdefault(name, why)

        if col is not None and name in self.locked:
            for k, v in enumerate(col):
                if v is not None:
                    refuse(k, NOT_YOURS)
            col = None
        if col is None and not dynamic:           # one value for the column: checked once
            try:
                check_value(ftype, f, default)
            except FieldError as exc:
                for k in range(n):
                    refuse(k, exc.message)
            return [default] * n
        if col is None:
            values = [ftype.default_value(f) for _ in range(n)]
        elif dynamic:
            values = [ftype.default_value(f) if v is None else v for v in col]
        elif default is not None:
            values = [default if v is None else v for v in col]
        else:
            values = list(col)
        if f.required:
            for k, v in enumerate(values):
                if v is None or v == []:
                    refuse(k, REQUIRED)
        if validate is not None:
            for k, why in validate(values):
                refuse(k, why)
        return values

    def _report(self, chunk, bad, skip_failed=False):
        """Field refusals (row index -> {field: message}) as errors naming the file's columns; a row
        with bad cells reports those only, as the record service's path does."""
        for k, fields in bad.items():
            if skip_failed and k in chunk.failed:
                continue
            row = Row(chunk.numbers[k], chunk.cells[k])
            chunk.fail(k, self.imp.reader.field_errors(row, fields, self.t.name))

    def links_and_unique(self, conn, chunk, good) -> list[int]:
        """Links to missing records and values already used, among the rows `good`; those still good."""
        bad: dict[int, dict] = {}
        numbers = chunk.numbers
        for name, f in self.t.fields.items():
            col = chunk.values.get(name)
            if col is None:
                continue
            if f.type in ("link", "multi_link"):
                ids = {i for k in good for i in _ids(col[k])}
                if ids:
                    target = self.form.sql[f.table]
                    stmt = scoped(sa.select(target.c.id).where(target.c.id.in_(ids)), self.imp.access, f.table)
                    found = set(conn.execute(stmt).scalars())
                    label = self.form.table(f.table).label
                    for k in good:
                        missing = [i for i in _ids(col[k]) if i not in found]
                        if missing:
                            bad.setdefault(k, {})[name] = msg(
                                f"no record {missing[0]} in '{label.en}'", f"{label.zh} 中没有编号为 {missing[0]} 的记录")
            if f.unique:
                seen = {}
                for k in good:
                    v = col[k]
                    if v is None:
                        continue
                    if v in seen:
                        bad.setdefault(k, {})[name] = msg(
                            f"is already used by row {numbers[seen[v]]} of the file", f"与文件第 {numbers[seen[v]]} 行重复")
                    else:
                        seen[v] = k
                if seen:
                    column = self.imp.form.sql[self.t.name].c[name]
                    conv = self.to_db.get(name)
                    stored = {v: (v if conv is None else conv(f, v)) for v in seen}
                    taken = set(conn.execute(sa.select(column).where(column.in_(list(stored.values())))).scalars())
                    if taken:
                        for k in good:
                            v = col[k]
                            if v is not None and stored[v] in taken:
                                bad.setdefault(k, {})[name] = ALREADY_USED
        self._report(chunk, bad)
        return [k for k in good if k not in bad]


def _validator(ftype, f):
    """values -> (index, message) of those the type's `validate` refuses; None when it refuses nothing."""
    validate = ftype.validate
    if type(ftype).validate is FieldType.validate:
        if f.pattern is None and f.min is None and f.max is None:
            if f.max_length is None:
                return None
            limit = f.max_length      # only the length: measured inline, validate asked for the message

            def too_long(values):
                return _refused(validate, f, [(k, v) for k, v in enumerate(values) if type(v) is str and len(v) > limit])
            return too_long
    if ftype.cells_repeat:
        seen: dict = {}

        def remembered(values):
            out = []
            for k, v in enumerate(values):
                if v is None or v == []:
                    continue
                key = (type(v), v)
                why = seen.get(key, seen)
                if why is seen:
                    why = None
                    try:
                        validate(f, v)
                    except FieldError as exc:
                        why = exc.message
                    if len(seen) < 10_000:
                        seen[key] = why
                if why is not None:
                    out.append((k, why))
            return out
        return remembered

    def each(values):
        return _refused(validate, f, [(k, v) for k, v in enumerate(values) if v is not None and v != []])
    return each


def _refused(validate, f, candidates):
    out = []
    for k, v in candidates:
        try:
            validate(f, v)
        except FieldError as exc:
            out.append((k, exc.message))
    return out


def _ids(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
