import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engines.expr.compiler import Expression

TABLES = {"orders": {"fields": {
    "price": {"type": "money"}, "qty": {"type": "integer"}, "day": {"type": "date"}, "code": {"type": "text"},
    "total": {"type": "formula", "expression": "record.price * record.qty"},
}}}


def formula(make_field, expression, result=None):
    settings = {"expression": expression} | ({"result": result} if result else {})
    return make_field("formula", name="total", settings=settings)


def prepared(types, make_field, compile_ctx, expression, result=None):
    ctx, problems = compile_ctx(TABLES, "orders")
    field = types["formula"].prepare(formula(make_field, expression, result), ctx)
    assert problems == []
    return field


def test_formula_compiles_and_computes(types, make_field, compile_ctx):
    ft = types["formula"]
    f = prepared(types, make_field, compile_ctx, "record.price * record.qty")
    assert isinstance(f.compiled, Expression)
    assert ft.compute(f, {"price": Decimal("12.50"), "qty": 3}) == Decimal("37.50")
    assert ft.to_json(f, Decimal("37.5")) == "37.50"
    assert ft.display(f, Decimal("1234.5")) == "1,234.50"


def test_formula_errors_give_none(types, make_field, compile_ctx):
    ft = types["formula"]
    f = prepared(types, make_field, compile_ctx, "record.price * record.qty")
    assert ft.compute(f, {"price": Decimal("12.50"), "qty": None}) is None
    assert ft.compute(f, {"price": Decimal("1"), "qty": "x"}) is None
    assert ft.compute(f, {"price": Decimal("1")}) is None                # field missing from the record
    assert ft.compute(prepared(types, make_field, compile_ctx, "record.price / record.qty"),
                      {"price": Decimal("1"), "qty": 0}) is None


@pytest.mark.parametrize("expression, result, record, expected", [
    ("record.qty * 1.5", "integer", {"qty": 3}, 5),
    ("record.price / 3", "decimal", {"price": Decimal("10")}, Decimal("3.33")),
    ("record.qty / 3", None, {"qty": 2}, Decimal("0.67")),
    ("concat(record.code, '-', record.qty)", "text", {"code": "A", "qty": 1}, "A-1"),
    ("record.qty > 2", "boolean", {"qty": 3}, True),
    ("record.day + days(1)", "date", {"day": dt.date(2024, 3, 5)}, dt.date(2024, 3, 6)),
])
def test_formula_result_types(types, make_field, compile_ctx, expression, result, record, expected):
    f = prepared(types, make_field, compile_ctx, expression, result)
    value = types["formula"].compute(f, record)
    assert value == expected and type(value) is type(expected)


def test_formula_column_follows_result(types, make_field):
    ft = types["formula"]
    assert isinstance(ft.column_type(formula(make_field, "1")), sa.Numeric)
    assert isinstance(ft.column_type(formula(make_field, "1", "boolean")), sa.Boolean)
    assert isinstance(ft.column_type(formula(make_field, "1", "date")), sa.Date)
    assert isinstance(ft.column_type(formula(make_field, "1", "integer")), sa.BigInteger)


@pytest.mark.parametrize("expression, message", [
    ("record.prise * 2", "unknown field 'prise' (did you mean 'price'?)"),
    ("record.total + 1", "unknown field 'total'"),        # a formula cannot read itself
    ("record.price *", "cannot parse expression"),
    ("open('x')", "unknown function 'open'"),
])
def test_formula_prepare_reports_expression_problems(types, make_field, compile_ctx, expression, message):
    ctx, problems = compile_ctx(TABLES, "orders")
    types["formula"].prepare(formula(make_field, expression), ctx)
    assert len(problems) == 1 and problems[0][0] == ("expression",)
    assert problems[0][1].startswith(message)


def test_formula_prepare_reports_bad_result(types, make_field, compile_ctx):
    ctx, problems = compile_ctx(TABLES, "orders")
    types["formula"].prepare(formula(make_field, "record.qty", "float"), ctx)
    assert problems == [(("result",), "unknown result type 'float': use one of text, integer, decimal, "
                                      "boolean, date")]


def test_formula_can_read_system_columns(types, make_field, compile_ctx):
    f = prepared(types, make_field, compile_ctx, "record.id * 2", "integer")
    assert types["formula"].compute(f, {"id": 21}) == 42


def test_formula_is_computed(types, make_field, refusal):
    ft = types["formula"]
    assert refusal(ft, formula(make_field, "1"), "5") == "is computed and cannot be set"
    assert ft.widget == "readonly" and ft.stored
