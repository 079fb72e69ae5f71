"""Amounts of money: a decimal with 2 places in one currency; never a float."""
from __future__ import annotations

from types import MappingProxyType

from engines.common.labels import Label, msg
from engines.common.locales import format_money
from engines.form.fields.decimal import DecimalField

# what people type around an amount, per currency (the ISO code itself is always accepted)
_MARKERS = MappingProxyType({
    "CNY": ("¥", "￥", "元", "RMB", "人民币"),
    "USD": ("US$", "$", "美元"),
    "EUR": ("€", "欧元"),
    "GBP": ("£", "英镑"),
    "HKD": ("HK$", "港币", "港元"),
})


class MoneyField(DecimalField):
    name = "money"
    label = Label(zh="金额", en="Money")
    settings_schema = {
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "CNY",
                     "description": "ISO 4217 currency code"},
        "precision": DecimalField.settings_schema["precision"],
    }
    invalid = msg("must be an amount of money", "必须是金额")

    def scale(self, field) -> int:
        return 2

    def currency(self, field) -> str:
        return field.settings.get("currency") or "CNY"

    def clean(self, field, raw):
        if not isinstance(raw, str):
            return raw
        code = self.currency(field)
        text = raw.strip().upper()
        # longest first so "US$" goes before "$"
        for marker in sorted((code, *_MARKERS.get(code, ())), key=len, reverse=True):
            text = text.replace(marker, "")
        return text.strip()

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        amount = self.quantize(field, value)
        code = self.currency(field)
        if code == "CNY":
            return f"{'-' if amount < 0 else ''}¥{abs(amount):,}"
        return f"{code} {amount:,}"

    def display_local(self, field, value, lang="zh"):
        return "" if value is None else format_money(self.quantize(field, value), self.currency(field), lang)

    def json_schema(self, field):
        schema = super().json_schema(field)
        schema["description"] = f"amount in {self.currency(field)} as a string, 2 decimal places"
        return schema


FIELD_TYPE = MoneyField
