import re
from decimal import Decimal

import pytest
import sqlalchemy as sa


@pytest.mark.parametrize("raw, expected", [
    ("1,234.5", "1234.50"), ("12", "12.00"), (12, "12.00"), (0.1, "0.10"), (Decimal("3"), "3.00"),
    ("-0.5", "-0.50"), ("1.2300", "1.23"), ("  7.25 ", "7.25"),
])
def test_decimal_accepts(types, make_field, raw, expected):
    value = types["decimal"].coerce(make_field("decimal"), raw)
    assert isinstance(value, Decimal) and str(value) == expected


@pytest.mark.parametrize("raw", ["abc", True, "NaN", "Infinity", "1.2.3", [1]])
def test_decimal_refuses_non_numbers(types, make_field, refusal, raw):
    assert refusal(types["decimal"], make_field("decimal"), raw) == "must be a number"


def test_decimal_refuses_more_places_than_scale(types, make_field, refusal):
    ft = types["decimal"]
    assert refusal(ft, make_field("decimal"), "1.234") == "must have at most 2 decimal places"
    assert refusal(ft, make_field("decimal", settings={"scale": 0}), "5.5") == \
        "must have at most 0 decimal places"
    assert str(ft.coerce(make_field("decimal", settings={"scale": 4}), "1.2345")) == "1.2345"


def test_decimal_precision_limits_size(types, make_field, refusal):
    ft, f = types["decimal"], make_field("decimal", settings={"precision": 4, "scale": 2})
    assert ft.coerce(f, "99.99") == Decimal("99.99")
    assert refusal(ft, f, "100") == "is too large"
    column = ft.column_type(f)
    assert isinstance(column, sa.Numeric) and (column.precision, column.scale) == (4, 2)


def test_decimal_bounds_compare_exactly(types, make_field, refusal):
    ft = types["decimal"]
    f = make_field("decimal", min=0.1, max="10")
    ft.validate(f, Decimal("0.10"))           # a float min of 0.1 must not refuse 0.10
    ft.validate(f, Decimal("10.00"))
    assert refusal(ft, f, Decimal("0.09"), step="validate") == "must be at least 0.10"
    assert refusal(ft, f, Decimal("10.01"), step="validate") == "must be at most 10.00"


def test_decimal_output(types, make_field):
    ft, f = types["decimal"], make_field("decimal")
    assert ft.to_json(f, Decimal("12.5")) == "12.50"
    assert ft.display(f, Decimal("1234567.5")) == "1,234,567.50"
    assert ft.form_value(f, Decimal("1234.5")) == "1234.50"
    assert ft.input_attrs(make_field("decimal", min=0)) == {"step": "0.01", "inputmode": "decimal", "min": "0"}
    schema = ft.json_schema(f)
    assert schema["type"] == "string"
    assert re.fullmatch(schema["pattern"], "-12.50") and not re.fullmatch(schema["pattern"], "12.505")
    assert ft.filter_value(f, "gt", "1,000") == Decimal("1000.00")


def test_decimal_prepare(types, make_field, compile_ctx):
    ctx, problems = compile_ctx({}, "t")
    types["decimal"].prepare(make_field("decimal", settings={"precision": 2, "scale": 3}), ctx)
    types["decimal"].prepare(make_field("decimal", min="zero"), ctx)
    assert problems == [(("scale",), "scale cannot be larger than precision"),
                        (("min",), "invalid min 'zero': must be a number")]
