"""A star rating: a whole number from 1 to N (N = the field's `max`, 5 by default)."""
from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType
from engines.form.fields.integer import IntegerField


class RatingField(IntegerField):
    name = "rating"
    label = Label(zh="评分", en="Rating")
    widget = "rating"

    def stars(self, field) -> int:
        return int(field.max) if field.max is not None else 5

    def validate(self, field, value):
        n = self.stars(field)
        if value is not None and not 1 <= value <= n:
            raise FieldError(msg(f"must be between 1 and {n}", f"必须在 1 到 {n} 之间"))

    def display(self, field, value, lang="zh"):
        if value is None:
            return ""
        return "★" * value + "☆" * max(self.stars(field) - value, 0)

    display_local = FieldType.display_local     # stars, not a number to group

    def input_attrs(self, field):
        return {"min": 1, "max": self.stars(field), "step": 1}

    def json_schema(self, field):
        return {"type": "integer", "minimum": 1, "maximum": self.stars(field)}


FIELD_TYPE = RatingField
