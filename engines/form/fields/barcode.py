"""Barcodes: text, optionally checked as EAN-13, EAN-8 (check digit) or Code 128 (printable ASCII)."""
from __future__ import annotations

import re

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError
from engines.form.fields.text import TextField

FORMATS = ("any", "ean13", "ean8", "code128")


class BarcodeField(TextField):
    name = "barcode"
    label = Label(zh="条码", en="Barcode")
    settings_schema = {"format": {"enum": list(FORMATS), "default": "any"}}

    def parse(self, field, raw):
        if isinstance(raw, bool):
            raise FieldError(msg("must be a barcode", "必须是条码"))
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)          # a spreadsheet number cell: 4006381333931.0
        code = super().parse(field, raw)
        fmt = field.settings.get("format") or "any"
        if fmt in ("ean13", "ean8"):
            size = 13 if fmt == "ean13" else 8
            if not re.fullmatch(rf"[0-9]{{{size}}}", code):
                raise FieldError(msg(f"must be {size} digits", f"必须是 {size} 位数字"))
            if int(code[-1]) != ean_check_digit(code[:-1]):
                raise FieldError(msg("has a wrong check digit", "校验位不正确"))
        elif fmt == "code128":
            if not all(32 <= ord(c) <= 126 for c in code):
                raise FieldError(msg("may only contain printable ASCII characters",
                                     "只能包含可打印的 ASCII 字符"))
        elif re.search(r"[\x00-\x1f\x7f]", code):
            raise FieldError(msg("must not contain control characters", "不能包含控制字符"))
        return code

    def filter_value(self, field, op, raw):
        return str(raw).strip() if op == "contains" else self.parse(field, raw)


def ean_check_digit(data: str) -> int:
    """GS1 check digit: weights 3, 1, 3... from the rightmost data digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


FIELD_TYPE = BarcodeField
