from decimal import Decimal

import pytest
import sqlalchemy as sa


@pytest.mark.parametrize("raw", ["15%", "15", 15, " 15 % ", "15％", 15.0])
def test_percent_accepts(types, make_field, raw):
    value = types["percent"].coerce(make_field("percent"), raw)
    assert value == Decimal("15") and str(value) == "15.00"


def test_percent_refuses(types, make_field, refusal):
    ft = types["percent"]
    assert refusal(ft, make_field("percent"), "abc") == "must be a percentage such as 15%"
    assert refusal(ft, make_field("percent"), "12.345%") == "must have at most 2 decimal places"
    assert refusal(ft, make_field("percent"), "100000") == "is too large"
    assert ft.coerce(make_field("percent", settings={"scale": 4}), "12.3456%") == Decimal("12.3456")


def test_percent_output(types, make_field):
    ft, f = types["percent"], make_field("percent")
    assert ft.display(f, Decimal("15.00")) == "15%"
    assert ft.display(f, Decimal("12.5")) == "12.5%"
    assert ft.to_json(f, Decimal("15")) == "15.00"
    column = ft.column_type(f)
    assert isinstance(column, sa.Numeric) and (column.precision, column.scale) == (9, 4)


def test_percent_bounds(types, make_field, refusal):
    ft, f = types["percent"], make_field("percent", min=0, max=100)
    ft.validate(f, Decimal("100"))
    assert refusal(ft, f, Decimal("100.5"), step="validate") == "must be at most 100%"
