import datetime as dt

import pytest
import sqlalchemy as sa


@pytest.mark.parametrize("raw, seconds", [
    (5400, 5400), ("5400", 5400), ("90m", 5400), ("1h30m", 5400), ("1h 30m", 5400), ("1.5h", 5400),
    ("2d", 172800), ("1:30:00", 5400), ("1:30", 5400), ("PT1H30M", 5400), ("P1DT2H", 93600),
    ("1小时30分", 5400), ("1天", 86400), ("45秒", 45), ("30 minutes", 1800), ("2 hours, 5 min", 7500),
    (dt.timedelta(minutes=90), 5400), (dt.time(1, 30), 5400),
])
def test_duration_accepts(types, make_field, raw, seconds):
    assert types["duration"].coerce(make_field("duration"), raw) == seconds


@pytest.mark.parametrize("raw", ["abc", "-5", -5, "1h30", "PT", "P", True, 1.5, "1:75"])
def test_duration_refuses(types, make_field, refusal, raw):
    assert refusal(types["duration"], make_field("duration"), raw) == "must be a duration such as 1h 30m"


@pytest.mark.parametrize("seconds, en, zh", [
    (5400, "1h 30m", "1小时30分"), (90061, "1d 1h 1m 1s", "1天1小时1分1秒"), (3600, "1h", "1小时"), (0, "0s", "0秒"),
])
def test_duration_display(types, make_field, seconds, en, zh):
    ft, f = types["duration"], make_field("duration")
    assert ft.display(f, seconds, "en") == en
    assert ft.display(f, seconds, "zh") == zh


def test_duration_storage_and_json(types, make_field):
    ft, f = types["duration"], make_field("duration")
    assert ft.to_json(f, 5400) == 5400
    assert isinstance(ft.column_type(f), sa.BigInteger)
    assert ft.json_schema(f)["type"] == "integer"


def test_duration_bounds_may_be_written_as_durations(types, make_field, refusal):
    ft, f = types["duration"], make_field("duration", min="30m", max="8h")
    ft.validate(f, 1800)
    assert refusal(ft, f, 1200, step="validate") == "must be at least 30m"
    assert refusal(ft, f, 9 * 3600, step="validate") == "must be at most 8h"
