import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

MAR5 = dt.date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024-03-05", "2024/3/5", "2024年3月5日", " 2024-3-5 ", "2024.03.05",
                                 "2024-03-05 00:00:00", MAR5, dt.datetime(2024, 3, 5, 16, 45)])
def test_date_accepts(types, make_field, raw):
    assert types["date"].coerce(make_field("date"), raw) == MAR5


def test_date_aware_datetime_takes_the_day_in_the_field_zone(types, make_field):
    evening_utc = dt.datetime(2024, 3, 4, 20, 0, tzinfo=dt.timezone.utc)     # 04:00 on the 5th in Shanghai
    assert types["date"].coerce(make_field("date"), evening_utc) == MAR5


@pytest.mark.parametrize("raw", ["2024-02-30", "05/03/2024", "2024-03-05 14:30", "soon", 45356, True])
def test_date_refuses(types, make_field, refusal, raw):
    assert refusal(types["date"], make_field("date"), raw) == "must be a date such as 2024-03-05"


@pytest.mark.parametrize("cell", [45356, 45356.75, dt.datetime(2024, 3, 5), "2024-03-05", "2024/3/5",
                                  "2024年3月5日"])
def test_date_spreadsheet_cells(types, make_field, cell):
    assert types["date"].parse_cell(make_field("date"), cell) == MAR5


def test_date_spreadsheet_refuses_impossible_serial(types, make_field):
    from engines.form.fields import FieldError
    with pytest.raises(FieldError):
        types["date"].parse_cell(make_field("date"), -3)
    assert types["date"].parse_cell(make_field("date"), "") is None


def test_date_defaults(types, make_field):
    ft = types["date"]
    assert ft.default_value(make_field("date", default="today")) == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert ft.default_value(make_field("date", default="2024/1/2")) == dt.date(2024, 1, 2)
    assert ft.default_value(make_field("date")) is None


def test_date_iso_bounds(types, make_field, refusal):
    ft, f = types["date"], make_field("date", min="2024-01-01", max="2024-12-31")
    ft.validate(f, MAR5)
    assert refusal(ft, f, dt.date(2023, 12, 31), step="validate") == "must be at least 2024-01-01"
    assert refusal(ft, f, dt.date(2025, 1, 1), step="validate") == "must be at most 2024-12-31"
    assert ft.input_attrs(f) == {"min": "2024-01-01", "max": "2024-12-31"}


def test_date_min_today(types, make_field, refusal):
    ft, f = types["date"], make_field("date", min="today")
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    ft.validate(f, today)
    assert refusal(ft, f, today - dt.timedelta(days=1), step="validate").startswith("must be at least")


def test_date_output(types, make_field):
    ft, f = types["date"], make_field("date")
    assert ft.to_json(f, MAR5) == "2024-03-05"
    assert ft.display(f, MAR5) == "2024-03-05"
    assert ft.json_schema(f) == {"type": "string", "format": "date"}
    assert isinstance(ft.column_type(f), sa.Date)
    assert ft.filter_value(f, "gte", "2024/3/5") == MAR5


def test_date_prepare(types, make_field, compile_ctx):
    ctx, problems = compile_ctx({}, "t")
    ft = types["date"]
    ft.prepare(make_field("date", min="today", max="2030-01-01"), ctx)
    assert problems == []
    ft.prepare(make_field("date", min="someday", settings={"timezone": "Mars/Olympus"}), ctx)
    assert problems == [(("timezone",), "unknown time zone 'Mars/Olympus'"),
                        (("min",), "invalid min 'someday': must be a date such as 2024-03-05")]
