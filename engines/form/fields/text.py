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

    def cell_parser(self, field):
        slow = super().cell_parser(field)
        if type(self).parse is not TextField.parse:
            return slow                          # a subclass with its own rules (barcode, long text)

        def parse(cell):
            if type(cell) is str:
                return cell.strip() or None     # what coerce gives a text cell
            return slow(cell)
        return parse


FIELD_TYPE = TextField
