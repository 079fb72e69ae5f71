import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")


def auto(make_field, pattern, **settings):
    return make_field("auto_number", settings={"pattern": pattern, **settings})


@pytest.mark.parametrize("pattern, n, number, period", [
    ("M{YYYY}{00000}", 42, "M202400042", "2024"),
    ("{YY}{MM}-{000}", 7, "2403-007", "2403"),
    ("D{YYYY}{MM}{DD}{0000}", 1, "D202403050001", "20240305"),
    ("INV-{0000}", 42, "INV-0042", ""),
    ("INV-{000}", 123456, "INV-123456", ""),         # outgrowing the width widens, never truncates
])
def test_auto_number_render_and_period(types, make_field, pattern, n, number, period):
    ft, f, when = types["auto_number"], auto(make_field, pattern), dt.datetime(2024, 3, 5, 10, 0, tzinfo=SH)
    assert ft.render(f, when, n) == number
    assert ft.period_key(f, when) == period
    assert ft.number_of(f, number) == (period, n)        # the simulation's rewind reads numbers back


@pytest.mark.parametrize("pattern, number", [("M{YYYY}{00000}", "X202400042"), ("M{YYYY}{00000}", "M2024"),
                                              ("INV-{000}", "INV-12a"), ("{000}-{YYYY}", "12-24")])
def test_auto_number_parse_refuses_what_the_pattern_did_not_make(types, make_field, pattern, number):
    assert types["auto_number"].number_of(auto(make_field, pattern), number) is None


def test_auto_number_periods_follow_the_field_zone(types, make_field):
    ft, f = types["auto_number"], auto(make_field, "M{YYYY}{00000}")
    new_year_in_shanghai = dt.datetime(2023, 12, 31, 17, 0, tzinfo=dt.timezone.utc)
    assert ft.period_key(f, new_year_in_shanghai) == "2024"
    assert ft.render(f, new_year_in_shanghai, 1) == "M202400001"
    utc_field = auto(make_field, "M{YYYY}{00000}", timezone="UTC")
    assert ft.period_key(utc_field, new_year_in_shanghai) == "2023"


def test_auto_number_is_computed(types, make_field, refusal):
    ft, f = types["auto_number"], auto(make_field, "M{YYYY}{00000}")
    assert refusal(ft, f, "M2024") == "is computed and cannot be set"
    assert ft.coerce(f, "") is None
    assert ft.widget == "readonly" and ft.searchable
    assert ft.filter_value(f, "contains", " M2024 ") == "M2024"


def test_auto_number_prepare(types, make_field, compile_ctx):
    ft = types["auto_number"]
    ctx, problems = compile_ctx({}, "t")
    ft.prepare(auto(make_field, "M{YYYY}{00000}"), ctx)
    assert problems == []
    ft.prepare(auto(make_field, "M{YYYY}"), ctx)
    ft.prepare(auto(make_field, "M{0}{00}"), ctx)
    ft.prepare(auto(make_field, "M{YYYY}{XX}{000}"), ctx)
    assert problems == [
        (("pattern",), "pattern needs exactly one sequence token such as {00000}, found 0"),
        (("pattern",), "pattern needs exactly one sequence token such as {00000}, found 2"),
        (("pattern",), "unknown token {XX}: use {YYYY} {YY} {MM} {DD} or zeros such as {00000}"),
    ]
