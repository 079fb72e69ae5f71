"""Phone numbers, stored in E.164 ("+8613812345678") so one number has one spelling."""
from __future__ import annotations

import functools
import re

import phonenumbers
import sqlalchemy as sa
from phonenumbers import PhoneNumberFormat

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType

# The spelling Chinese sheets hold for a mainland mobile: 11 digits from 1[3-9], maybe after +86/0086,
# single spaces or dashes between digits. Anything else goes to phonenumbers.
_MAINLAND = re.compile(r"(?:\+86|0086)?[ -]?(1[3-9](?:[ -]?\d){9})")


@functools.cache
def _cn_mobile_pattern() -> re.Pattern:
    # phonenumbers' own CN mobile ranges, so the fast path accepts exactly the numbers it calls valid
    desc = phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile
    return re.compile(desc.national_number_pattern)


def mainland_mobile(text: str) -> str | None:
    """E.164 of a mainland mobile written the common ways, or None to leave the text to phonenumbers."""
    if len(text) == 11 and text.isascii() and text.isdigit():
        digits = text                   # the usual cell: the plain 11 digits, one pattern to check
    else:
        found = _MAINLAND.fullmatch(text)
        if found is None:
            return None
        digits = found.group(1).replace(" ", "").replace("-", "")
    if _cn_mobile_pattern().fullmatch(digits) is None:
        return None
    return "+86" + digits


class PhoneField(FieldType):
    name = "phone"
    label = Label(zh="电话", en="Phone")
    widget = "tel"
    searchable = True
    filter_ops = ("eq", "ne", "contains", "in", "isnull")
    settings_schema = {
        "region": {"type": "string", "pattern": "^[A-Z]{2}$", "default": "CN",
                   "description": "country whose numbers may be typed without +country code"},
    }

    def region(self, field) -> str:
        return field.settings.get("region") or "CN"

    def prepare(self, field, ctx):
        if self.region(field) not in phonenumbers.SUPPORTED_REGIONS:
            ctx.problem(("region",), f"unknown phone region '{self.region(field)}'")
        return field

    def column_type(self, field):
        return sa.String(20)

    def cell_parser(self, field):
        slow = super().cell_parser(field)
        if self.region(field) != "CN":
            return slow

        def parse(cell):
            if type(cell) is str:
                fast = mainland_mobile(cell.strip())
                if fast is not None:
                    return fast
            return slow(cell)
        return parse

    def parse(self, field, raw):
        region = self.region(field)
        if region == "CN" and isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
            # a third of an import's time went to phonenumbers; most cells are plain mobiles
            fast = mainland_mobile(str(int(raw)) if isinstance(raw, float) and raw.is_integer()
                                   else str(raw).strip())
            if fast is not None:
                return fast
        invalid = msg(f"is not a valid phone number (outside {region}, start with + and the country code)",
                      f"不是有效的电话号码（{region} 以外的号码请以 + 和国家代码开头）")
        if isinstance(raw, bool) or isinstance(raw, (dict, list)):
            raise FieldError(invalid)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)          # a spreadsheet number cell: 13812345678.0
        try:
            number = phonenumbers.parse(str(raw).strip(), region)
        except phonenumbers.NumberParseException:
            raise FieldError(invalid) from None
        if not phonenumbers.is_valid_number(number):
            raise FieldError(invalid)
        if number.extension:
            # E.164 has no extension; refusing beats silently dropping it
            raise FieldError(msg("extensions are not supported", "不支持分机号"))
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)

    def filter_value(self, field, op, raw):
        if op != "contains":
            return self.parse(field, raw)
        try:
            return self.parse(field, raw)          # "138 1234 5678" finds "+8613812345678"
        except FieldError:
            return re.sub(r"[^\d+]", "", str(raw))  # a fragment: match its digits

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return str(value)
        own = phonenumbers.region_code_for_number(number) == self.region(field)
        return phonenumbers.format_number(
            number, PhoneNumberFormat.NATIONAL if own else PhoneNumberFormat.INTERNATIONAL)

    def form_value(self, field, value):
        return self.display(field, value)

    def input_attrs(self, field):
        return {"inputmode": "tel"}

    def json_schema(self, field):
        return {"type": "string", "pattern": r"^\+[1-9]\d{1,14}$", "description": "E.164 phone number"}


FIELD_TYPE = PhoneField
