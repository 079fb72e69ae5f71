"""Uploaded images: like files, but only raster formats a browser shows safely (never SVG: it runs
scripts)."""
from __future__ import annotations

import posixpath
from types import MappingProxyType

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError
from engines.form.fields.file import FileField

_TYPES = MappingProxyType({"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                           "gif": "image/gif", "webp": "image/webp"})


class ImageField(FileField):
    name = "image"
    label = Label(zh="图片", en="Image")
    widget = "image"
    invalid = msg("must be a PNG, JPEG, GIF or WebP image", "必须是 PNG、JPEG、GIF 或 WebP 图片")

    def content_type(self, path, given):
        # from the extension, never from the client: the server sends this header back
        ext = posixpath.splitext(path)[1].lstrip(".").lower()
        if ext not in _TYPES:
            raise FieldError(self.invalid)
        return _TYPES[ext]

    def input_attrs(self, field):
        return {"accept": ",".join(sorted(set(_TYPES.values())))}


FIELD_TYPE = ImageField
