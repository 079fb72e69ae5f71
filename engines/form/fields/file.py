"""Uploaded files: {"name", "path", "size", "content_type"} stored as JSON text.

The path is relative to the app's upload storage; it must not be able to leave it.
"""
from __future__ import annotations

import json
import mimetypes
import posixpath

from engines.common.labels import Label, msg
from engines.form.fields._parsing import load_json
from engines.form.fields.base import FieldError, FieldType


class FileField(FieldType):
    name = "file"
    label = Label(zh="文件", en="File")
    widget = "file"
    sortable = False
    filter_ops = ("isnull",)
    settings_schema = {
        "max_size": {"type": "integer", "minimum": 1, "description": "largest accepted file, in bytes"},
    }
    invalid = msg("must be a file", "必须是文件")

    def parse(self, field, raw):
        if isinstance(raw, str):
            text = raw.strip()
            raw = load_json(text, self.invalid, dict) if text.startswith("{") else {"path": text}
        if not isinstance(raw, dict):
            raise FieldError(self.invalid)
        path, name, size = raw.get("path"), raw.get("name"), raw.get("size")
        _check_path(path)
        name = name or posixpath.basename(path)
        if not isinstance(name, str):
            raise FieldError(self.invalid)
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise FieldError(msg("has an invalid size", "文件大小无效"))
        return {"name": name, "path": path, "size": size,
                "content_type": self.content_type(path, raw.get("content_type"))}

    def content_type(self, path: str, given) -> str:
        if isinstance(given, str) and given:
            return given
        return mimetypes.guess_type(path)[0] or "application/octet-stream"

    def validate(self, field, value):
        limit = field.settings.get("max_size")
        if value is not None and limit and value.get("size") is not None and value["size"] > limit:
            raise FieldError(msg(f"must be at most {human_size(limit)}", f"不能超过 {human_size(limit)}"))

    def to_db(self, field, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def from_db(self, field, value):
        return json.loads(value) if isinstance(value, str) else value

    def display(self, field, value, lang="zh"):
        return "" if value is None else value.get("name") or ""

    def form_value(self, field, value):
        return value or ""      # the widget shows the current file's name and link

    def json_schema(self, field):
        return {"type": "object", "required": ["name", "path"], "properties": {
            "name": {"type": "string"},
            "path": {"type": "string", "description": "relative to the upload storage"},
            "size": {"type": ["integer", "null"], "minimum": 0},
            "content_type": {"type": "string"},
        }}


def _check_path(path) -> None:
    bad = msg("must be a relative file path without '..'", "必须是相对文件路径，不能包含“..”")
    if not isinstance(path, str) or not path:
        raise FieldError(bad)
    # backslashes and colons: Windows separators and drives, and URLs, are not our paths
    if path.startswith("/") or "\\" in path or ":" in path or "\x00" in path:
        raise FieldError(bad)
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise FieldError(bad)


def human_size(n: int) -> str:
    """2097152 -> '2 MB'."""
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{round(n, 1):g} {unit}"
        n /= 1024
    return f"{round(n, 1):g} GB"


FIELD_TYPE = FileField
