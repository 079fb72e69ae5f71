import datetime as dt

import pytest
import sqlalchemy as sa

UTC = dt.timezone.utc
AT = dt.datetime(2024, 3, 5, 6, 30, tzinfo=UTC)       # 14:30 in Shanghai


@pytest.mark.parametrize("raw", ["2024-03-05 14:30", "2024-03-05T14:30", "2024/3/5 14:30",
                                 "2024年3月5日 14:30", "2024-03-05T14:30:00+08:00", "2024-03-05T06:30:00Z",
                                 "2024-03-05 06:30:00+0000", dt.datetime(2024, 3, 5, 14, 30),
                                 dt.datetime(2024, 3, 5, 6, 30, tzinfo=UTC)])
def test_datetime_accepts(types, make_field, raw):
    value = types["datetime"].coerce(make_field("datetime"), raw)
    assert value == AT and value.utcoffset() == dt.timedelta(0)


def test_datetime_date_only_is_local_midnight(types, make_field):
    assert types["datetime"].coerce(make_field("datetime"), "2024-03-05") == \
        dt.datetime(2024, 3, 4, 16, 0, tzinfo=UTC)


def test_datetime_field_timezone(types, make_field):
    ft = types["datetime"]
    assert ft.coerce(make_field("datetime", settings={"timezone": "UTC"}), "2024-03-05 14:30") == \
        dt.datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    ny = make_field("datetime", settings={"timezone": "America/New_York"})
    assert ft.coerce(ny, "2024-07-01 12:00") == dt.datetime(2024, 7, 1, 16, 0, tzinfo=UTC)   # EDT
    assert ft.display(ny, dt.datetime(2024, 7, 1, 16, 0, tzinfo=UTC)) == "2024-07-01 12:00"


@pytest.mark.parametrize("raw", ["tomorrow", "2024-03-05 25:00", "14:30", "2024-13-01 10:00", 45356])
def test_datetime_refuses(types, make_field, refusal, raw):
    assert refusal(types["datetime"], make_field("datetime"), raw) == \
        "must be a date and time such as 2024-03-05 14:30"


@pytest.mark.parametrize("cell", [45356 + 14.5 / 24, dt.datetime(2024, 3, 5, 14, 30), "2024/3/5 14:30"])
def test_datetime_spreadsheet_cells_are_local_time(types, make_field, cell):
    assert types["datetime"].parse_cell(make_field("datetime"), cell) == AT


def test_datetime_storage_is_naive_utc(types, make_field):
    ft, f = types["datetime"], make_field("datetime")
    assert isinstance(ft.column_type(f), sa.DateTime)
    assert ft.to_db(f, AT) == dt.datetime(2024, 3, 5, 6, 30)
    assert ft.from_db(f, dt.datetime(2024, 3, 5, 6, 30)) == AT
    assert ft.from_db(f, dt.datetime(2024, 3, 5, 6, 30)).tzinfo is not None

    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("at", ft.column_type(f)))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"at": ft.to_db(f, AT)})
        stored = conn.execute(sa.select(table.c.at)).scalar_one()
        found = conn.execute(sa.select(table.c.at).where(
            ft.sql_condition(f, table.c.at, "gte", ft.filter_value(f, "gte", "2024-03-05 14:30")))).all()
    assert stored == dt.datetime(2024, 3, 5, 6, 30)
    assert ft.from_db(f, stored) == AT and len(found) == 1


def test_datetime_output(types, make_field):
    ft, f = types["datetime"], make_field("datetime")
    assert ft.to_json(f, AT) == "2024-03-05T06:30:00Z"
    assert ft.display(f, AT) == "2024-03-05 14:30"
    assert ft.form_value(f, AT) == "2024-03-05T14:30"
    assert ft.json_schema(f) == {"type": "string", "format": "date-time"}


def test_datetime_default_now(types, make_field):
    value = types["datetime"].default_value(make_field("datetime", default="now"))
    assert value.tzinfo is not None
    assert abs(value - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)


def test_datetime_bounds(types, make_field, refusal):
    ft, f = types["datetime"], make_field("datetime", min="2024-01-01 08:00")
    ft.validate(f, AT)
    assert refusal(ft, f, dt.datetime(2023, 12, 31, 0, 0, tzinfo=UTC), step="validate") == \
        "must be at least 2024-01-01 08:00"
