"""The import template of a table: a workbook whose headers are the fields' labels in the reader's
language (`*` marks a required field), one example row, and drop-downs for select fields.

The options of the drop-downs sit on a second sheet: Excel's inline lists stop at 255 characters.
"""
from __future__ import annotations

import datetime as dt
import io

from engines.form.transfer.columns import targets

_EXAMPLES = {
    "text": "示例", "long_text": "示例", "phone": "13800138000", "email": "name@example.com",
    "url": "https://example.com", "integer": 100, "decimal": "1.50", "money": "12.50", "percent": "15%",
    "date": "2024-03-05", "datetime": "2024-03-05 14:30", "time": "09:30", "duration": "1h30m",
    "boolean": "是", "region": "广东省/深圳市/南山区",
    "color": "#336699", "json": "{}", "barcode": "4006381333931",
}


def template_workbook(form, table, lang, access=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = _title(form.tables[table].label.get(lang))
    options = wb.create_sheet("options")
    options.sheet_state = "hidden"
    cols = [tg for tg in targets(form, table, access).values() if tg.kind != "id"]
    ws.append([tg.label.get(lang) + ("*" if _required(tg) else "") for tg in cols])
    ws.append([_example(form, tg, lang) for tg in cols])
    for c in ws[1]:
        c.font = Font(bold=True)
    used = 0
    for i, tg in enumerate(cols, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = max(12, 2 * len(ws.cell(row=1, column=i).value) + 2)
        f = tg.field
        if tg.kind == "field" and f.type in ("select", "multi_select") and f.options:
            used += 1
            col = options.cell(row=1, column=used).column_letter
            for r, o in enumerate(f.options, start=1):
                options.cell(row=r, column=used, value=o.label.get(lang))
            dv = DataValidation(type="list", formula1=f"options!${col}$1:${col}${len(f.options)}",
                                allow_blank=not f.required,
                                showErrorMessage=f.type == "select")   # a multi_select cell lists several
            dv.add(f"{letter}2:{letter}10000")
            ws.add_data_validation(dv)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _required(tg) -> bool:
    return tg.kind == "field" and tg.field.required and tg.field.default is None


def _example(form, tg, lang):
    f = tg.field
    if tg.kind == "opening":
        return 100
    if tg.kind == "expires":
        return f"{dt.date.today().year + 1}-12-31"
    if f.type in ("select", "multi_select") and f.options:
        return f.options[0].label.get(lang)
    if f.type == "boolean" and lang == "en":
        return "yes"
    if f.type == "rating":
        return 5
    if f.type in ("text", "long_text") and lang == "en":
        return "Example"
    return _EXAMPLES.get(f.type)     # links, users: an id only the user knows


def _title(text: str) -> str:
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31] or "Sheet1"

