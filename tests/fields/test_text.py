import sqlalchemy as sa


def test_text_strips_and_stringifies(types, make_field):
    ft, f = types["text"], make_field("text")
    assert ft.coerce(f, "  hello ") == "hello"
    assert ft.coerce(f, 12) == "12"
    assert ft.coerce(f, "   ") is None


def test_text_refuses_lists(types, make_field, refusal):
    assert refusal(types["text"], make_field("text"), ["a"]) == "must be a single value"


def test_text_max_length_and_pattern(types, make_field, refusal):
    ft = types["text"]
    f = make_field("text", max_length=3, pattern=r"[a-z]+")
    ft.validate(f, "abc")
    assert refusal(ft, f, "abcd", step="validate") == "must be at most 3 characters"
    assert refusal(ft, f, "AB", step="validate") == "is not in the expected format"
    assert isinstance(ft.column_type(f), sa.String) and ft.column_type(f).length == 3
    assert ft.searchable
