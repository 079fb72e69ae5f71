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


def test_integer_beyond_bigint_is_refused_not_overflowing_the_column(make_field):
    import pytest
    from engines.form.fields import FieldError, field_types
    f = make_field("integer")
    assert field_types()["integer"].coerce(f, 2**63 - 1) == 2**63 - 1
    for raw in (2**63, "99999999999999999999999999999", -(2**63)):
        with pytest.raises(FieldError) as exc:
            field_types()["integer"].coerce(f, raw)
        assert exc.value.message.en == "is too large"
