"""Web addresses: http or https with a host, nothing else (no javascript:, no file:)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType

_INVALID = msg("must be a web address starting with http:// or https://",
               "必须是以 http:// 或 https:// 开头的网址")


class UrlField(FieldType):
    name = "url"
    label = Label(zh="网址", en="URL")
    widget = "url"
    filter_ops = ("eq", "ne", "contains", "isnull")

    def parse(self, field, raw):
        if not isinstance(raw, str):
            raise FieldError(_INVALID)
        text = raw.strip()
        if re.search(r"[\s\x00-\x1f\x7f]", text):
            raise FieldError(_INVALID)
        if "://" not in text and "." in text.split("/")[0]:
            text = "https://" + text        # "www.example.com" is what people paste
        try:
            parts = urlsplit(text)
            parts.port                      # raises on a malformed port
        except ValueError:
            raise FieldError(_INVALID) from None
        # user:password@ is refused too: it hides the real host ("https://bank.com@evil.com")
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            raise FieldError(_INVALID)
        return parts.scheme.lower() + text[len(parts.scheme):]

    def filter_value(self, field, op, raw):
        return str(raw).strip() if op == "contains" else self.parse(field, raw)

    def input_attrs(self, field):
        return {"placeholder": "https://"}

    def json_schema(self, field):
        return {"type": "string", "format": "uri"}


FIELD_TYPE = UrlField
