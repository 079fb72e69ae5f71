"""E-mail addresses, syntax-checked and normalised (no DNS lookup: saving must not need the network)."""
from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType


class EmailField(FieldType):
    name = "email"
    label = Label(zh="邮箱", en="Email")
    widget = "email"
    searchable = True
    filter_ops = ("eq", "ne", "contains", "in", "isnull")

    def column_type(self, field):
        return sa.String(254)

    def parse(self, field, raw):
        if not isinstance(raw, str):
            raise FieldError(msg("is not a valid email address", "不是有效的邮箱地址"))
        try:
            return validate_email(raw.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            raise FieldError(msg("is not a valid email address", "不是有效的邮箱地址")) from None

    def filter_value(self, field, op, raw):
        # a search may be part of an address ("@example.com")
        return str(raw).strip() if op == "contains" else self.parse(field, raw)

    def input_attrs(self, field):
        return {"maxlength": 254}

    def json_schema(self, field):
        return {"type": "string", "format": "email"}


FIELD_TYPE = EmailField
