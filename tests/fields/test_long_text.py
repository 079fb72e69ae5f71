import sqlalchemy as sa

from engines.form.fields.long_text import LongTextField
from engines.form.fields.text import TextField


def test_long_text_is_text_in_a_textarea(types):
    ft = types["long_text"]
    assert isinstance(ft, LongTextField) and isinstance(ft, TextField)
    assert ft.widget == "textarea" and ft.searchable


def test_long_text_normalises_line_breaks(types, make_field):
    ft, f = types["long_text"], make_field("long_text")
    assert ft.coerce(f, "  line one\r\nline two\r\n") == "line one\nline two"
    assert ft.coerce(f, "a\rb") == "a\nb"


def test_long_text_max_length_counts_a_line_break_once(types, make_field, refusal):
    ft, f = types["long_text"], make_field("long_text", max_length=3)
    ft.validate(f, ft.coerce(f, "a\r\nb"))
    assert refusal(ft, f, "abcd", step="validate") == "must be at most 3 characters"
    assert ft.input_attrs(f) == {"maxlength": 3}
    assert isinstance(ft.column_type(f), sa.Text)
