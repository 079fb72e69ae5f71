"""Reading an import file: a header row and then data rows, whatever the format.

CSV comes as Chinese spreadsheets really save it: UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"), or
GBK (Excel's plain "CSV" on a Chinese Windows). The whole file is checked as UTF-8 first (a GBK file
may be pure ASCII for its first megabyte), then read as GB18030, the superset of GBK. XLSX is read
with calamine (python-calamine, in Rust: ten times openpyxl's speed; it holds the sheet's cells, about
60 bytes each) or, where it is not installed, openpyxl in read-only mode (rows streamed).

Row numbers are the spreadsheet's: the header is row 1, so the numbers in a report are the ones
the user sees in Excel.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from engines.common.labels import msg
from engines.form.errors import RecordError

FORMATS = ("csv", "xlsx")
_SNIFF = 1 << 20
csv.field_size_limit(10 * 1024 * 1024)   # one cell of a long_text may be long; the default is 128 KB


class BadFile(RecordError):
    """A file that cannot be read as a table (the message says why)."""
    status = 400
    code = "bad_file"


@dataclass
class Sheet:
    path: str
    format: str
    headers: list[str]
    encoding: str | None = None
    height: int | None = None      # XLSX: the sheet's rows, known once it is read (calamine reads it whole)
    loaded: object = field(default=None, repr=False, compare=False)   # XLSX: that read, for one pass of rows()

    def rows(self, start_after: int = 1) -> Iterator[tuple[int, list]]:
        """(row number, cells) of the data rows after row `start_after` (1: the header); rows with
        nothing in them are skipped."""
        if self.format == "csv":
            yield from _csv_rows(self.path, self.encoding, start_after)
            return
        loaded, self.loaded = self.loaded, None       # the sheet open_sheet read serves one pass
        yield from ((number, cells) for number, cells in _xlsx_rows(self.path, loaded=loaded)
                    if number > start_after and _filled(cells))

    def count(self) -> int | None:
        """How many data rows there are (a fast pass for CSV; the sheet's dimension for XLSX)."""
        if self.format == "csv":       # what rows() yields, counted without its layers
            try:
                return _csv_count(self.path, self.encoding) - 1
            except (csv.Error, UnicodeDecodeError):
                return None        # a count is a nicety: reading the rows says what is wrong
        if self.height is not None:
            return max(0, self.height - 1)
        try:
            rows = _xlsx_height(self.path)
        except Exception:      # noqa: BLE001 - a count is a nicety; reading reports real problems
            return None
        return max(0, rows - 1) if rows else None


def format_of(filename: str) -> str:
    ext = os.path.splitext(filename or "")[1].lower().lstrip(".")
    if ext not in FORMATS:
        raise BadFile(msg(f"'{filename}' is not a .csv or .xlsx file", f"“{filename}”不是 .csv 或 .xlsx 文件"))
    return ext


def open_sheet(path: str, filename: str | None = None) -> Sheet:
    """The file at `path` (named `filename` by the user: its extension says the format)."""
    fmt = format_of(filename or path)
    if fmt == "csv":
        encoding = detect_encoding(path)
        first = next(_csv_rows(path, encoding), None)
    else:
        encoding = None
        height = []
        first = next(_xlsx_rows(path, height), None)
        loaded = height[1] if len(height) > 1 else None
    if first is None or all(_blank(c) for c in first[1]):
        raise BadFile(msg("the file is empty: the first row must hold the column headers",
                          "文件是空的：第一行应为列标题"))
    headers = [_header(c) for c in first[1]]
    while headers and not headers[-1]:
        headers.pop()
    if fmt == "csv":
        return Sheet(path=path, format=fmt, headers=headers, encoding=encoding)
    return Sheet(path=path, format=fmt, headers=headers, height=height[0] if height else None, loaded=loaded)


def detect_encoding(path: str) -> str:
    """utf-8-sig when the whole file decodes as UTF-8 (with or without a BOM), else gb18030."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_SNIFF):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(path, encoding, start_after=None):
    """(number, cells) of every record; with `start_after`, only the later ones that hold anything
    (all text: one join says whether a row does)."""
    try:
        with open(path, encoding=encoding, newline="") as fh:
            # records, not lines: a quoted cell may span lines, and Excel counts it as one row
            rows = enumerate(csv.reader(fh, _dialect(fh)), start=1)
            if start_after is None:
                yield from rows
            else:
                yield from ((n, cells) for n, cells in rows if n > start_after and "".join(cells).strip())
    except (csv.Error, UnicodeDecodeError) as exc:
        raise BadFile(msg(f"the CSV file cannot be read: {exc}", f"CSV 文件无法读取：{exc}")) from None


def _csv_count(path, encoding) -> int:
    """The records that hold anything, header included. A file without quotes has one record a line
    (ending in \n or \r\n): its lines are counted a block at a time, less those of nothing but
    spaces and delimiters; any other file by the csv module."""
    with open(path, encoding=encoding, newline="") as fh:
        dialect = _dialect(fh)
        sep = dialect.delimiter
        plain = " \t\r" + sep
        count = 0
        while block := fh.read(_SNIFF):
            block += fh.readline()
            if dialect.quotechar in block or block.count("\r") != block.count("\r\n"):
                break
            lines = block.split("\n")
            if not lines[-1]:
                lines.pop()
            # blank: only ASCII spaces and delimiters, or (rarely) other Unicode spaces among them
            count += len(lines) - sum(1 for line in lines if not (rest := line.strip(plain))
                                      or rest[0].isspace() and rest.replace(sep, " ").isspace())
        else:
            return count
        fh.seek(0)
        return sum(1 for cells in csv.reader(fh, dialect) if "".join(cells).strip())


def _dialect(fh):
    """Comma, or semicolon / tab when the header line has those and no comma (csv.Sniffer guesses
    wrong on Chinese text with commas in cells)."""
    header = fh.readline()
    fh.seek(0)
    dialect = csv.excel
    if "," not in header:
        for sep in ("\t", ";"):
            if sep in header:
                dialect = type("Sniffed", (csv.excel,), {"delimiter": sep})
                break
    return dialect


def _xlsx_rows(path, height: list | None = None, loaded=None):
    """(number, cells) of the first sheet; `height` (a list) gets the sheet's row count and the read
    sheet appended; `loaded`: a sheet read before (calamine reads a sheet whole: once is enough)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:                  # the Rust reader missing on this platform: openpyxl, slower
        yield from _openpyxl_rows(path)
        return
    try:
        sheet = loaded if loaded is not None else CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    except Exception as exc:             # noqa: BLE001 - calamine's errors (zip, XML) share no base class
        raise BadFile(msg(f"the file is not a readable .xlsx workbook ({exc})",
                          f"文件不是可读取的 .xlsx 工作簿（{exc}）")) from None
    if height is not None:
        height.extend((sheet.height, sheet))
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        # calamine gives every number as a float; Excel's whole numbers as ints, as openpyxl reads them
        yield number, [int(c) if c.__class__ is float and c.is_integer() else c for c in cells]


def _openpyxl_rows(path):
    try:
        wb = _open_workbook(path)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadFile(msg(f"the file is not a readable .xlsx workbook ({exc})",
                          f"文件不是可读取的 .xlsx 工作簿（{exc}）")) from None
    try:
        ws = wb.worksheets[0]
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        wb.close()


def _xlsx_height(path) -> int | None:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        wb = _open_workbook(path)
        try:
            return wb.worksheets[0].max_row
        finally:
            wb.close()
    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).height


def _open_workbook(path):
    import openpyxl      # only imports need it: keep `tessera run` light

    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def _header(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, (dt.date, dt.time)):
        cell = cell.isoformat()
    return str(cell).strip()


def _filled(cells) -> bool:
    """Whether a row holds anything: most rows answer at their first cell."""
    for c in cells:
        if c is not None and (c.__class__ is not str or (c and not c.isspace())):
            return True
    return False


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def save_upload(stream, path: str) -> int:
    """Copy an uploaded file to `path` in blocks; its size."""
    size = 0
    with open(path, "wb") as out:
        while block := stream.read(1 << 16):
            out.write(block)
            size += len(block)
    return size

