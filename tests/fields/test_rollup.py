from decimal import Decimal

import pytest


def tables(**order_fields):
    return {"customers": {"fields": {"name": {"type": "text"}}},
            "orders": {"fields": {"customer": {"type": "link", "table": "customers"},
                                  "amount": {"type": "money"}, "note": {"type": "text"}, **order_fields}}}


def rollup(make_field, table="orders", **settings):
    return make_field("rollup", table=table, settings=settings)


def run(types, compile_ctx, field, spec):
    ctx, problems = compile_ctx(spec, "customers")
    return types["rollup"].prepare(field, ctx), problems


def test_rollup_finds_the_only_link(types, make_field, compile_ctx):
    field, problems = run(types, compile_ctx, rollup(make_field, function="sum", field="amount"), tables())
    assert problems == [] and field.compiled == "customer"
    field, problems = run(types, compile_ctx, rollup(make_field), tables())       # count needs no field
    assert problems == [] and field.compiled == "customer"


def test_rollup_table_may_come_from_settings(types, make_field, compile_ctx):
    f = make_field("rollup", settings={"table": "orders"})
    field, problems = run(types, compile_ctx, f, tables())
    assert problems == [] and field.compiled == "customer"


def test_rollup_several_links_need_a_name(types, make_field, compile_ctx):
    spec = tables(referrer={"type": "link", "table": "customers"})
    _, problems = run(types, compile_ctx, rollup(make_field), spec)
    assert problems == [(("table",), "several link fields of table 'orders' point to 'customers' "
                                     "(customer, referrer): name one with `link`")]
    field, problems = run(types, compile_ctx, rollup(make_field, link="referrer"), spec)
    assert problems == [] and field.compiled == "referrer"


@pytest.mark.parametrize("field_kw, spec, problems", [
    ({"table": "ordrs"}, tables(), [(("table",), "unknown table 'ordrs' (did you mean 'orders'?)")]),
    ({"link": "note"}, tables(), [(("link",), "'note' is not a link field of table 'orders' pointing to "
                                              "'customers'")]),
    ({}, {"customers": {"fields": {}}, "orders": {"fields": {"amount": {"type": "money"}}}},
     [(("table",), "no link field of table 'orders' points to 'customers'")]),
    ({"function": "median"}, tables(), [(("function",), "unknown function 'median': use one of count, sum, "
                                                        "avg, min, max")]),
    ({"function": "sum"}, tables(), [(("function",), "'sum' needs `field`: the number field to aggregate")]),
    ({"function": "avg", "field": "note"}, tables(),
     [(("field",), "'note' is a text field; avg needs one of integer, decimal, money, percent, rating")]),
    ({"function": "max", "field": "amont"}, tables(),
     [(("field",), "unknown field 'amont' in table 'orders' (did you mean 'amount'?)")]),
])
def test_rollup_prepare_problems(types, make_field, compile_ctx, field_kw, spec, problems):
    table = field_kw.pop("table", "orders")
    _, found = run(types, compile_ctx, rollup(make_field, table, **field_kw), spec)
    assert found == problems


def test_rollup_is_computed_and_not_stored(types, make_field, refusal):
    ft, f = types["rollup"], rollup(make_field, function="sum", field="amount")
    assert ft.computed and not ft.stored and ft.column_type(f) is None
    assert refusal(ft, f, "3") == "is computed and cannot be set"
    assert ft.to_json(f, Decimal("1234.50")) == "1234.50"
    assert ft.display(f, Decimal("1234.50")) == "1,234.50"
    assert ft.display(f, 3) == "3"
    assert ft.json_schema(rollup(make_field))["type"] == "integer"
