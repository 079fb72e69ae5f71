"""Multi-line text."""
import sqlalchemy as sa

from engines.common.labels import Label
from engines.form.fields.text import TextField


class LongTextField(TextField):
    name = "long_text"
    label = Label(zh="多行文本", en="Long text")
    widget = "textarea"

    def column_type(self, field):
        return sa.Text()

    def parse(self, field, raw):
        # browsers post CRLF; count and store one character per line break
        return super().parse(field, raw).replace("\r\n", "\n").replace("\r", "\n")

    def input_attrs(self, field):
        return {"maxlength": field.max_length} if field.max_length else {}


FIELD_TYPE = LongTextField
