import datetime as dt
from decimal import Decimal

import pytest

TABLES = {
    "orders": {"fields": {"customer": {"type": "link", "table": "customers"}, "amount": {"type": "money"},
                          "ghost": {"type": "link", "table": "nowhere"}}},
    "customers": {"fields": {"name": {"type": "text"}, "tier": {"type": "select"}}},
}


def lookup(make_field, link, field):
    return make_field("lookup", settings={"link": link, "field": field})


@pytest.mark.parametrize("link, field, problems", [
    ("customer", "name", []),
    ("customer", "created_at", []),
    ("custmer", "name", [(("link",), "unknown field 'custmer' (did you mean 'customer'?)")]),
    ("amount", "name", [(("link",), "'amount' is a money field, not a link")]),
    ("customer", "nmae", [(("field",), "unknown field 'nmae' in table 'customers' (did you mean 'name'?)")]),
    ("ghost", "name", []),         # the link field reports its own unknown table
])
def test_lookup_prepare(types, make_field, compile_ctx, link, field, problems):
    ctx, found = compile_ctx(TABLES, "orders")
    types["lookup"].prepare(lookup(make_field, link, field), ctx)
    assert found == problems


def test_lookup_is_computed_and_not_stored(types, make_field, refusal):
    ft, f = types["lookup"], lookup(make_field, "customer", "name")
    assert ft.computed and not ft.stored and ft.column_type(f) is None
    assert refusal(ft, f, "Ann") == "is computed and cannot be set"
    assert ft.widget == "readonly"
    assert set(ft.required_settings) == {"link", "field"}


def test_lookup_output_is_json_safe(types, make_field):
    ft, f = types["lookup"], lookup(make_field, "customer", "name")
    assert ft.to_json(f, Decimal("12.50")) == "12.50"
    assert ft.to_json(f, dt.date(2024, 3, 5)) == "2024-03-05"
    assert ft.to_json(f, "Ann") == "Ann"
    assert ft.display(f, dt.date(2024, 3, 5)) == "2024-03-05"
    assert ft.display(f, None) == ""
