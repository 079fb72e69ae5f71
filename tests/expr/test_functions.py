"""The function library: each function's results and refusals, through compiled expressions."""
import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from engines.expr import EvalContext, ExpressionError, compile_expression


def ev(source, context=None, **variables):
    return compile_expression(source, {n: None for n in variables}).evaluate(variables, context=context)


@pytest.mark.parametrize("source, expected", [
    ("floor(2.7)", 2), ("floor(-1.5)", -2), ("ceil(2.1)", 3), ("ceil(-2.1)", -2),
    ("round(2.5)", 3), ("round(3.5)", 4), ("round(-2.5)", -3),          # half away from zero
    ("round(0.125, 2)", Decimal("0.13")), ("round(1.005, 2)", Decimal("1.01")),
    ("round(1250, -2)", 1300), ("round(7)", 7),
    ("min(3, 1, 2)", 1), ("max([1, 5, 2])", 5), ("abs(-4.5)", Decimal("4.5")),
    ("int('42')", 42), ("int(3.9)", 3), ("decimal('12.50')", Decimal("12.50")),
    ("decimal(10, 2)", Decimal("10.00")), ("round(10 / 3, 2)", Decimal("3.33")),
    ("0.1 + 0.2", Decimal("0.3")),                                        # literals are exact
])
def test_math(source, expected):
    value = ev(source)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("source, message", [
    ("floor('x')", "floor() needs a number"), ("round(1, 'a')", "places must be a whole number"),
    ("min()", "at least one value"), ("int('abc')", "cannot read 'abc'"),
    ("decimal('1e')", "cannot read"), ("abs(True)", "abs() needs a number"),
])
def test_math_refusals_name_the_expression(source, message):
    with pytest.raises(ExpressionError) as exc:
        ev(source)
    assert message in str(exc.value) and repr(source) in str(exc.value)


@pytest.mark.parametrize("source, expected", [
    ("add_months(d('2024-01-31'), 1)", dt.date(2024, 2, 29)),
    ("add_months(d('2023-01-31'), 1)", dt.date(2023, 2, 28)),
    ("add_months(d('2024-02-29'), 12)", dt.date(2025, 2, 28)),        # 29 Feb -> 28 Feb
    ("add_months(d('2024-03-31'), -1)", dt.date(2024, 2, 29)),
    ("add_months(d('2024-12-15'), 1)", dt.date(2025, 1, 15)),
    ("add_days(d('2024-02-28'), 1)", dt.date(2024, 2, 29)),
    ("days_between(d('2024-01-01'), d('2024-03-01'))", 60),
    ("date_diff(d('2024-03-01'), d('2024-01-01'))", 60),
    ("d('2024-03-01') - days(1)", dt.date(2024, 2, 29)),
    ("[year(d('2024-07-09')), month(d('2024-07-09')), day(d('2024-07-09'))]", [2024, 7, 9]),
    ("weekday(d('2024-07-07'))", 7),                                       # a Sunday
    ("same_month_day(d('2000-02-29'), d('2023-02-28'))", True),            # non-leap: the 28th
    ("same_month_day(d('2000-02-29'), d('2024-02-28'))", False),           # leap: wait for the 29th
    ("same_month_day(d('2000-02-29'), d('2024-02-29'))", True),
    ("same_month_day(d('1990-07-09'), d('2024-07-09'))", True),
    ("same_month_day(None, d('2024-07-09'))", False),
])
def test_dates(source, expected):
    expression = compile_expression(source, {}, extra_functions=frozenset({"d"}))
    assert expression.evaluate({}, {"d": dt.date.fromisoformat}) == expected


def test_dates_refuse_non_dates():
    with pytest.raises(ExpressionError, match=r"year\(\) needs a date"):
        ev("year(5)")
    with pytest.raises(ExpressionError, match="days\\(\\) needs a whole number"):
        ev("days(10**9)")


def test_today_and_now_follow_the_context_zone():
    # at any instant, 'today' 14 hours ahead of UTC differs from 'today' 12 hours behind
    ahead = ev("today()", EvalContext(timezone="Pacific/Kiritimati"))
    behind = ev("today()", EvalContext(timezone="Etc/GMT+12"))
    assert (ahead - behind).days in (1, 2)
    now = ev("now()", EvalContext(timezone=ZoneInfo("Asia/Shanghai")))
    assert now.utcoffset() == dt.timedelta(hours=8)
    assert ev("today()") == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()   # default zone


@pytest.mark.parametrize("source, expected", [
    ("len('abc')", 3), ("len(None)", 0), ("upper('ab')", "AB"), ("lower('AB')", "ab"),
    ("strip('  a ')", "a"), ("trim(' a')", "a"), ("contains('hello', 'ell')", True),
    ("startswith('13800', '138')", True), ("endswith('a.png', '.png')", True),
    ("left('abcdef', 2)", "ab"), ("right('13812345678', 4)", "5678"), ("right('ab', 0)", ""),
    ("concat('A', None, 1)", "A1"), ("money(1234.5)", "¥1,234.50"), ("money(-5)", "-¥5.00"),
    ("money(0.005, '$')", "$0.01"), ("coalesce(None, 2)", 2), ("str(None)", ""),
    ("upper(None)", ""),
])
def test_text(source, expected):
    assert ev(source) == expected


def test_text_refusals():
    with pytest.raises(ExpressionError, match="left\\(\\) needs a count"):
        ev("left('abc', -1)")
    with pytest.raises(ExpressionError, match="len\\(\\) needs text or a list"):
        ev("len(5)")


def test_random_choice_uses_the_seeded_context_source():
    draws = [ev("random_choice(['a', 'b', 'c'], [1, 2, 0])", EvalContext(rng=random.Random(7)))
             for _ in range(3)]
    again = [ev("random_choice(['a', 'b', 'c'], [1, 2, 0])", EvalContext(rng=random.Random(7)))
             for _ in range(3)]
    assert draws == again
    context = EvalContext(rng=random.Random(1))
    many = [ev("random_choice(['a', 'b', 'c'], [1, 3, 0])", context) for _ in range(4000)]
    assert "c" not in many                                  # zero weight: never drawn
    assert 0.70 < many.count("b") / len(many) < 0.80        # 3 in 4


@pytest.mark.parametrize("source, message", [
    ("random_choice([], [])", "non-empty list"),
    ("random_choice(['a', 'b'], [1])", "one weight per option"),
    ("random_choice(['a', 'b'], [1, -1])", "cannot be negative"),
    ("random_choice(['a', 'b'], [0, 0])", "at least one weight above zero"),
    ("random_choice(['a'], ['x'])", "needs a number"),
])
def test_random_choice_validates_weights(source, message):
    with pytest.raises(ExpressionError, match=message):
        ev(source, EvalContext(rng=random.Random(0)))
