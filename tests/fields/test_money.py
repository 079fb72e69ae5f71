from decimal import Decimal

import pytest

from engines.form.fields.decimal import DecimalField


@pytest.mark.parametrize("raw, expected", [
    ("¥1,234.50", Decimal("1234.50")), ("￥12", Decimal("12.00")), ("12元", Decimal("12.00")),
    ("RMB 8", Decimal("8.00")), ("-¥5", Decimal("-5.00")), (12.5, Decimal("12.50")),
    (3, Decimal("3.00")), ("CNY 1,000", Decimal("1000.00")),
])
def test_money_accepts_cny(types, make_field, raw, expected):
    value = types["money"].coerce(make_field("money"), raw)
    assert value == expected and str(value) == str(expected)


def test_money_other_currency(types, make_field, refusal):
    ft, usd = types["money"], make_field("money", settings={"currency": "USD"})
    assert ft.coerce(usd, "$1,234.50") == Decimal("1234.50")
    assert ft.coerce(usd, "USD 3") == Decimal("3.00")
    assert refusal(ft, make_field("money"), "$5") == "must be an amount of money"


def test_money_has_two_places_whatever_the_settings(types, make_field, refusal):
    ft = types["money"]
    assert refusal(ft, make_field("money", settings={"scale": 4}), "1.234") == \
        "must have at most 2 decimal places"
    # a float sum that is not a whole number of cents is refused, never rounded silently
    assert refusal(ft, make_field("money"), 0.1 + 0.2) == "must have at most 2 decimal places"


def test_money_output(types, make_field):
    ft, cny, usd = types["money"], make_field("money"), make_field("money", settings={"currency": "USD"})
    assert isinstance(ft, DecimalField)
    assert ft.display(cny, Decimal("1234.5")) == "¥1,234.50"
    assert ft.display(cny, Decimal("-1234.5"), "en") == "-¥1,234.50"
    assert ft.display(usd, Decimal("1234.5")) == "USD 1,234.50"
    assert ft.to_json(cny, Decimal("1234.5")) == "1234.50"
    assert ft.column_type(cny).scale == 2


def test_money_bounds_display_as_money(types, make_field, refusal):
    ft, f = types["money"], make_field("money", min=0)
    assert refusal(ft, f, Decimal("-1.00"), step="validate") == "must be at least ¥0.00"
