"""The contract every field type fulfils. One subclass per module in this package.

A field type owns everything that depends on the kind of value: its SQL column, how raw input
(a form string, a JSON value, a spreadsheet cell) becomes a Python value, its constraints, its
widget, how it is shown, exported and described in OpenAPI, and its compile-time checks.
"""
from __future__ import annotations

import re
from typing import Any, ClassVar

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.model import Field


class FieldError(Exception):
    """Input that a field refuses; the message is shown next to the field."""

    def __init__(self, message: Label):
        super().__init__(message.en)
        self.message = message


class CompileContext:
    """What a field type may look at while compiling: every table's raw spec, and a problem sink."""

    def __init__(self, tables: dict, report, compile_expression):
        self.tables = tables          # name -> raw table spec (dict)
        self._report = report         # report(subpath, message)
        self.compile_expression = compile_expression  # (source, scope) -> Expression
        self.table: str | None = None  # the table whose field is being prepared

    def problem(self, subpath: tuple, message: str) -> None:
        self._report(subpath, message)


class FieldType:
    name: ClassVar[str]
    label: ClassVar[Label]
    widget: ClassVar[str] = "text"        # macro name in templates/widgets.html
    stored: ClassVar[bool] = True         # False: computed on read, no column (lookup, rollup)
    computed: ClassVar[bool] = False      # filled by the platform, never typed by a user
    searchable: ClassVar[bool] = False    # part of the list page's free-text search
    sortable: ClassVar[bool] = True
    filter_ops: ClassVar[tuple[str, ...]] = ("eq", "ne", "isnull")
    # JSON Schema of the type-specific keys a field of this type accepts (merged into the app schema)
    settings_schema: ClassVar[dict] = {}
    required_settings: ClassVar[tuple[str, ...]] = ()
    join_table: ClassVar[bool] = False    # True: values live in a join table (multi_link), no column

    # -- compile time ------------------------------------------------------------------
    def prepare(self, field: Field, ctx: CompileContext) -> Field:
        """Check cross references and return the field (possibly with `compiled` filled)."""
        return field

    # -- storage ----------------------------------------------------------------------
    def column_type(self, field: Field) -> sa.types.TypeEngine:
        return sa.Text()

    def to_db(self, field: Field, value: Any) -> Any:
        return value

    def from_db(self, field: Field, value: Any) -> Any:
        return value

    # -- input ------------------------------------------------------------------------
    def coerce(self, field: Field, raw: Any) -> Any:
        """Turn raw input (form string or JSON value) into the Python value, or raise FieldError."""
        if is_blank(raw):
            return None
        return self.parse(field, raw)

    def default_value(self, field: Field) -> Any:
        """The value a new record gets when the input leaves the field out."""
        return None if field.default is None else self.coerce(field, field.default)

    def parse(self, field: Field, raw: Any) -> Any:
        if isinstance(raw, (dict, list)):
            raise FieldError(msg("must be a single value", "必须是单个值"))
        return str(raw)

    def validate(self, field: Field, value: Any) -> None:
        """Constraints beyond the type itself: min/max, length, pattern, options."""
        if value is None:
            return
        if isinstance(value, str):
            if field.max_length is not None and len(value) > field.max_length:
                raise FieldError(msg(f"must be at most {field.max_length} characters",
                                     f"不能超过 {field.max_length} 个字符"))
            if field.pattern and not re.fullmatch(field.pattern, value):
                raise FieldError(msg("is not in the expected format", "格式不正确"))
        if field.min is not None and _lt(value, field.min):
            raise FieldError(msg(f"must be at least {field.min}", f"不能小于 {field.min}"))
        if field.max is not None and _lt(field.max, value):
            raise FieldError(msg(f"must be at most {field.max}", f"不能大于 {field.max}"))

    def parse_cell(self, field: Field, cell: Any) -> Any:
        """A spreadsheet or CSV cell into the Python value (import)."""
        return self.coerce(field, cell)

    # an import remembers this type's parsed cells per distinct cell (few distinct values, immutable)
    cells_repeat = False

    def cell_parser(self, field: Field):
        """parse_cell for one column of an import, worked out once: a type may return a faster
        function for its common cells, giving exactly what parse_cell gives."""
        return lambda cell: self.parse_cell(field, cell)

    # -- output -----------------------------------------------------------------------
    def to_json(self, field: Field, value: Any) -> Any:
        return value

    def export_cell(self, field: Field, value: Any) -> Any:
        return self.to_json(field, value)

    def display(self, field: Field, value: Any, lang: str = "zh") -> str:
        """Plain text of the value, the same in every locale: record titles, messages, link choices."""
        return "" if value is None else str(value)

    def display_local(self, field: Field, value: Any, lang: str = "zh") -> str:
        """The value as a page shows it to a reader of `lang`: types whose values a locale writes its
        own way (dates, numbers, money) override this with engines.common.locales."""
        return self.display(field, value, lang)

    def form_value(self, field: Field, value: Any) -> Any:
        """The value as the widget needs it (a string for most inputs)."""
        if value is None:
            return ""
        j = self.to_json(field, value)
        return j if isinstance(j, (list, str)) else str(j)

    def input_attrs(self, field: Field) -> dict:
        """Extra HTML attributes for the widget (step, min, max, inputmode, accept, ...)."""
        return {}

    def json_schema(self, field: Field) -> dict:
        schema = {"type": "string"}
        if field.max_length:
            schema["maxLength"] = field.max_length
        if field.pattern:
            schema["pattern"] = field.pattern
        return schema

    def filter_value(self, field: Field, op: str, raw: Any) -> Any:
        """Coerce the operand of a list filter."""
        return self.parse(field, raw)

    def match_value(self, field: Field, raw: str) -> Any:
        """Text compared with this field in expressions (`lookup('members', phone=event.phone)`), read as
        typed into a form: '139 0000 0001' is '+8613900000001'. Text it refuses stays as it is, and
        so matches nothing stored."""
        try:
            return self.filter_value(field, "eq", raw)
        except FieldError:
            return raw

    # -- helpers for the SQL layer ------------------------------------------------------
    def sql_condition(self, field: Field, column, op: str, value):
        """A SQLAlchemy condition for a filter; None when this type does not support `op`."""
        if op == "eq":
            return column == self.to_db(field, value)
        if op == "ne":
            return sa.or_(column != self.to_db(field, value), column.is_(None))
        if op in ("lt", "lte", "gt", "gte"):
            v = self.to_db(field, value)
            return {"lt": column < v, "lte": column <= v, "gt": column > v, "gte": column >= v}[op]
        if op == "contains":
            return column.ilike("%" + _escape_like(str(value)) + "%", escape="\\")
        if op == "in":
            return column.in_([self.to_db(field, v) for v in value])
        return None


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _lt(a, b) -> bool:
    try:
        return a < b
    except TypeError:
        return False


def _escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
