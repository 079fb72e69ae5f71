"""Exports of a list view (its filters, search and sort) to CSV or XLSX, in constant memory.

Rows are read a batch at a time with the list's own keyset pagination (`run_list`, so the person's
row filters and hidden fields apply exactly as on the list page), and written as they come: CSV as
text blocks (UTF-8 with a BOM, so Excel opens Chinese right), XLSX through openpyxl's write-only
workbook into a temporary file that is then streamed and removed.

Values do not change with the language (docs/languages.md): ISO dates, option keys, link ids, plain
decimals; headers are the field labels in the reader's language, which an import matches again.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
from dataclasses import replace
from decimal import Decimal

from engines.common.labels import Label
from engines.form.query import run_list
from engines.form.transfer.cells import FORMULA_START

BATCH = 1000
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
NUMERIC = ("integer", "decimal", "money", "percent", "rating")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def columns(form, t, access=None) -> list[tuple[str, Label, object]]:
    """(name, label, field) of what the person may read: the id, then the fields in order."""
    hidden = access.hidden(t.name) if access is not None else frozenset()
    out = [("id", Label(zh="编号", en="ID"), None)]
    out += [(name, f.label, f) for name, f in t.fields.items() if name not in hidden]
    return out


def batches(form, conn, t, req, access=None, size=None):
    """Lists of records, `size` (BATCH) at a time, following the list's cursor to the end."""
    req = replace(req, limit=size or BATCH, after=None, before=None)
    while True:
        page = run_list(form, conn, t, req, with_total=False, access=access)
        if page.records:
            yield page.records
        if not page.next_cursor:
            return
        req = replace(req, after=page.next_cursor)


def cell(form, f, value, native: bool = False):
    """A value as a cell: text for CSV; numbers and dates as such in a workbook (`native`)."""
    if value is None:
        return None
    if f is None:
        return value
    vf = form.value_field(f) if f.type == "lookup" else f
    if native and isinstance(value, (int, Decimal)) and not isinstance(value, bool) and vf.type in NUMERIC:
        return value
    if native and type(value) is dt.date:
        return value
    out = form.ftype(vf).export_cell(vf, value)
    if isinstance(out, bool):
        return out if native else ("true" if out else "false")
    if isinstance(out, list):
        return ", ".join(str(v) for v in out)
    if isinstance(out, dict):
        return json.dumps(out, ensure_ascii=False)
    return out


def defused(value):
    """CSV text a spreadsheet would run as a formula (`=HYPERLINK(...)`, `@SUM`, `+cmd|...`) gets a
    leading apostrophe, which Excel and WPS show as plain text; plain numbers (-5, +8613...) stay."""
    if isinstance(value, str) and value[:1] in FORMULA_START and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_stream(form, t, req, lang, access=None, progress=None):
    """Text blocks of the CSV file: the BOM and headers first, then one block per batch."""
    cols = columns(form, t, access)
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([label.get(lang) for _n, label, _f in cols])
    yield "\ufeff" + _drain(buf)
    with form.engine.connect() as conn:
        for records in batches(form, conn, t, req, access):
            for r in records:
                out.writerow(["" if (v := cell(form, f, r.get(n))) is None else defused(v) for n, _l, f in cols])
            if progress is not None:
                progress(len(records))
            yield _drain(buf)


def write_xlsx(form, t, req, lang, path, access=None, progress=None) -> int:
    """Write the workbook to `path` (write-only: rows go to disk as they come); the row count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    cols = columns(form, t, access)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(t.label.get(lang)))
    ws.append([label.get(lang) for _n, label, _f in cols])
    n = 0
    with form.engine.connect() as conn:
        for records in batches(form, conn, t, req, access):
            for r in records:
                row = []
                for name, _l, f in cols:
                    v = cell(form, f, r.get(name), native=True)
                    if type(v) is dt.date:
                        c = WriteOnlyCell(ws, value=v)
                        c.number_format = "yyyy-mm-dd"
                        v = c
                    elif isinstance(v, str) and v.startswith("="):     # openpyxl would store a formula
                        c = WriteOnlyCell(ws, value=v)
                        c.data_type = "s"
                        v = c
                    row.append(v)
                ws.append(row)
            n += len(records)
            if progress is not None:
                progress(len(records))
    wb.save(path)
    return n


def xlsx_stream(form, t, req, lang, access=None, block=1 << 16):
    """Bytes of the workbook: written to a temporary file first (a zip needs its directory at the
    end), streamed from it, removed afterwards."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="tessera-export-")
    os.close(fd)
    try:
        write_xlsx(form, t, req, lang, path, access)
        with open(path, "rb") as fh:
            while chunk := fh.read(block):
                yield chunk
    finally:
        os.remove(path)


def write_csv(form, t, req, lang, path, access=None, progress=None) -> int:
    counted = []

    def note(n):
        counted.append(n)
        if progress is not None:
            progress(n)

    with open(path, "w", encoding="utf-8", newline="") as fh:
        for text in csv_stream(form, t, req, lang, access, note):
            fh.write(text)
    return sum(counted)


def filename(t, fmt: str) -> str:
    return f"{t.name}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.{fmt}"


def _sheet_title(text: str) -> str:
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31] or "Sheet1"


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text
