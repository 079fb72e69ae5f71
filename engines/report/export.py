"""A chart's data as a table (dimension labels, then each measure written out in full), and that table
as CSV or XLSX (openpyxl's write-only mode: rows are streamed, not held as cells)."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from engines.report.model import BUCKETS
from engines.report.shape import dim_label, number
from engines.report.words import word


def dim_title(dataset, name, lang) -> str:
    """A dimension's column title: its field's label (a region's part named), a time bucket's word."""
    if name in BUCKETS:
        return word(name, lang)
    ref = dataset.dimensions.get(name)
    if ref is None or ref.field is None:
        return name
    label = ref.field.label.get(lang)
    return word("region_part", lang, label=label, part=word(ref.part, lang)) if ref.part else label


def table(rows, chart, dataset, lang) -> tuple[list[str], list[list]]:
    """(header, rows): one row per result row; the indicator adds the previous period's values."""
    header, dims = [], []
    for name in chart.by:
        header.append(dim_title(dataset, name, lang))
        dims.append(name)
    if chart.type == "pivot":
        header.insert(0, "")
    measures = [dataset.measures[m] for m in chart.measures]
    previous = any(f"{m.name}__previous" in r for r in rows for m in measures)
    for m in measures:
        header.append(m.label.get(lang))
        if previous:
            header.append(word("previous_period", lang, label=m.label.get(lang)))
    out = []
    for r in rows:
        line = [r.get("__kind")] if chart.type == "pivot" else []
        line += [dim_label(dataset, d, r, lang) for d in dims]
        for m in measures:
            line.append(_cell(m, r.get(m.name)))
            if previous:
                line.append(_cell(m, r.get(f"{m.name}__previous")))
        out.append(line)
    return header, out


def _cell(measure, value):
    v = number(value)
    return v * measure.scale if measure.scale != 1 and isinstance(v, (int, float)) else v


def to_csv(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")     # the BOM: Excel opens Chinese text right


def to_xlsx(header, rows, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    return cleaned or "data"
