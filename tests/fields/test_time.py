import datetime as dt

import pytest
import sqlalchemy as sa


@pytest.mark.parametrize("raw, expected", [
    ("14:30", dt.time(14, 30)), ("14:30:15", dt.time(14, 30, 15)), ("9:05", dt.time(9, 5)),
    ("14：30", dt.time(14, 30)), (dt.time(8, 0), dt.time(8, 0)), (dt.datetime(2024, 3, 5, 7, 15), dt.time(7, 15)),
])
def test_time_accepts(types, make_field, raw, expected):
    assert types["time"].coerce(make_field("time"), raw) == expected


@pytest.mark.parametrize("raw", ["25:00", "14:60", "2pm", "1430", 14.5])
def test_time_refuses(types, make_field, refusal, raw):
    assert refusal(types["time"], make_field("time"), raw) == "must be a time such as 14:30"


@pytest.mark.parametrize("cell, expected", [(0.5, dt.time(12, 0)), (14.5 / 24, dt.time(14, 30)),
                                            (dt.time(8, 0), dt.time(8, 0)), ("08:00", dt.time(8, 0))])
def test_time_spreadsheet_cells(types, make_field, cell, expected):
    assert types["time"].parse_cell(make_field("time"), cell) == expected


def test_time_bounds(types, make_field, refusal):
    ft, f = types["time"], make_field("time", min="09:00", max="18:00")
    ft.validate(f, dt.time(9, 0))
    assert refusal(ft, f, dt.time(8, 59), step="validate") == "must be at least 09:00"
    assert refusal(ft, f, dt.time(18, 1), step="validate") == "must be at most 18:00"


def test_time_output(types, make_field):
    ft, f = types["time"], make_field("time")
    assert ft.to_json(f, dt.time(14, 30)) == "14:30:00"
    assert ft.display(f, dt.time(14, 30)) == "14:30"
    assert ft.display(f, dt.time(14, 30, 15)) == "14:30:15"
    assert isinstance(ft.column_type(f), sa.Time)
