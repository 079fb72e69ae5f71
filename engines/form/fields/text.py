"""Single-line text."""
import sqlalchemy as sa

from engines.common.labels import Label
from engines.form.fields.base import FieldType


class TextField(FieldType):
    name = "text"
    label = Label(zh="单行文本", en="Text")
    widget = "text"
    searchable = True
    filter_ops = ("eq", "ne", "contains", "in", "isnull")
    settings_schema = {}

    def column_type(self, field):
        return sa.String(field.max_length) if field.max_length else sa.Text()

    def parse(self, field, raw):
        value = super().parse(field, raw).strip()
        return value

    def parse_cell(self, field, cell):
        # a spreadsheet keeps numbers as floats: a member number typed 1001 is read back as 1001.0
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        return self.coerce(field, cell)


FIELD_TYPE = TextField
