import pytest


@pytest.mark.parametrize("raw, expected", [("42", 42), (" 1,234 ", 1234), ("12.0", 12), (7, 7), (-3, -3)])
def test_integer_accepts(types, make_field, raw, expected):
    assert types["integer"].coerce(make_field("integer"), raw) == expected


@pytest.mark.parametrize("raw", ["1.5", "abc", True, "inf"])
def test_integer_refuses(types, make_field, refusal, raw):
    assert refusal(types["integer"], make_field("integer"), raw) == "must be a whole number"


def test_integer_min_max(types, make_field, refusal):
    ft, f = types["integer"], make_field("integer", min=1, max=10)
    ft.validate(f, 10)
    assert refusal(ft, f, 0, step="validate") == "must be at least 1"
    assert refusal(ft, f, 11, step="validate") == "must be at most 10"
    assert ft.json_schema(f) == {"type": "integer"}
