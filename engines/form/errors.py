"""Errors of the record service; pages show them next to fields, the API maps them to 4xx JSON."""
from __future__ import annotations

from engines.common.labels import Label, msg


class RecordError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: Label, fields: dict[str, Label] | None = None):
        super().__init__(message.en)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(RecordError):
    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, Label], status: int = 422):
        super().__init__(msg("some fields are not valid", "部分字段填写有误"), fields)
        self.status = status


class NotFound(RecordError):
    status = 404
    code = "not_found"


class Conflict(RecordError):
    status = 409
    code = "conflict"
