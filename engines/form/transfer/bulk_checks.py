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
                    conv = self.to_db.get(name)
                    stored = {v: (v if conv is None else conv(f, v)) for v in seen}
                    taken = _existing(conn, self.imp.form.sql[self.t.name].c[name], list(stored.values()))
                    if taken:
                        for k in good:
                            v = col[k]
                            if v is not None and stored[v] in taken:
                                bad.setdefault(k, {})[name] = ALREADY_USED
        self._report(chunk, bad)
        return [k for k in good if k not in bad]


def _existing(conn, column, values) -> set:
    """Which of `values` the column already holds. On SQLite a plain `IN (?, ...)` through the driver,
    in batches under its limit of bound values: SQLAlchemy's expanding IN renders a bind per value."""
    if conn.dialect.name != "sqlite" or not all(type(v) is str or type(v) is int for v in values):
        return set(conn.execute(sa.select(column).where(column.in_(values))).scalars())
    quote = conn.dialect.identifier_preparer.quote
    found = set()
    for at in range(0, len(values), 5000):
        batch = values[at:at + 5000]
        sql = (f"SELECT {quote(column.name)} FROM {quote(column.table.name)} "
               f"WHERE {quote(column.name)} IN ({','.join('?' * len(batch))})")
        found.update(v for (v,) in conn.exec_driver_sql(sql, tuple(batch)))
    return found


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

        def verdict(key):
            why = seen.get(key, seen)
            if why is seen:
                why = None
                if key[1] is not None and key[1] != []:
                    try:
                        validate(f, key[1])
                    except FieldError as exc:
                        why = exc.message
                if len(seen) < 10_000:
                    seen[key] = why
            return why

        def remembered(values):
            """Each distinct value (with its type: 1, 1.0 and True are equal in Python) validated once."""
            try:
                refused = {key for key in set(zip(map(type, values), values)) if verdict(key) is not None}
            except TypeError:         # an unhashable value (a list): one by one
                return _refused(validate, f, [(k, v) for k, v in enumerate(values) if v is not None and v != []])
            if not refused:
                return []
            return [(k, verdict((type(v), v))) for k, v in enumerate(values) if (type(v), v) in refused]
        return remembered

    def each(values):
        return _refused(validate, f, [(k, v) for k, v in enumerate(values)
                                      if v is not None and (v.__class__ is not list or v)])
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
