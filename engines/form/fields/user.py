"""A platform user, by id (the users live outside the app's tables, so there is no `table`)."""
from __future__ import annotations

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError
from engines.form.fields.link import LinkField


class UserField(LinkField):
    name = "user"
    label = Label(zh="用户", en="User")
    widget = "text"
    settings_schema = {}
    required_settings = ()

    def prepare(self, field, ctx):
        return field

    def parse(self, field, raw):
        try:
            return super().parse(field, raw)
        except FieldError:
            raise FieldError(msg("must be a user id", "必须是用户编号")) from None

    def json_schema(self, field):
        return {"type": "integer", "minimum": 1, "description": "id of a platform user"}


FIELD_TYPE = UserField
