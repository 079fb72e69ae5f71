import pytest
import sqlalchemy as sa

MOBILE = "+8613812345678"


@pytest.mark.parametrize("raw, e164", [
    ("13812345678", MOBILE), ("138 1234 5678", MOBILE), ("+86 138-1234-5678", MOBILE), (13812345678, MOBILE),
    ("010-12345678", "+861012345678"), ("+1 201-555-0123", "+12015550123"),
])
def test_phone_stores_e164(types, make_field, raw, e164):
    assert types["phone"].coerce(make_field("phone"), raw) == e164


def test_phone_spreadsheet_number_cell(types, make_field):
    assert types["phone"].parse_cell(make_field("phone"), 13812345678.0) == MOBILE


@pytest.mark.parametrize("raw", ["12345", "abc", "1381234567", True])
def test_phone_refuses_invalid(types, make_field, refusal, raw):
    assert refusal(types["phone"], make_field("phone"), raw) == \
        "is not a valid phone number (outside CN, start with + and the country code)"


def test_phone_region_setting(types, make_field):
    us = make_field("phone", settings={"region": "US"})
    ft = types["phone"]
    assert ft.coerce(us, "(201) 555-0123") == "+12015550123"
    assert ft.display(us, "+12015550123") == "(201) 555-0123"
    assert ft.display(us, MOBILE) == "+86 138 1234 5678"


def test_phone_display(types, make_field):
    ft, f = types["phone"], make_field("phone")
    assert ft.display(f, MOBILE) == "138 1234 5678"
    assert ft.display(f, "+12015550123") == "+1 201-555-0123"
    assert ft.widget == "tel" and ft.searchable


def test_phone_search_by_national_number_finds_it(types, make_field):
    ft, f = types["phone"], make_field("phone")
    assert ft.filter_value(f, "eq", "13812345678") == MOBILE
    assert ft.filter_value(f, "contains", "138 1234 5678") == MOBILE
    assert ft.filter_value(f, "contains", "5678") == "5678"
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("p", ft.column_type(f)))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"p": MOBILE}, {"p": "+12015550123"}])
        for op, raw in [("contains", "13812345678"), ("eq", "138-1234-5678")]:
            cond = ft.sql_condition(f, table.c.p, op, ft.filter_value(f, op, raw))
            assert conn.execute(sa.select(table.c.p).where(cond)).scalars().all() == [MOBILE]


def test_phone_prepare_checks_region(types, make_field, compile_ctx):
    ctx, problems = compile_ctx({}, "t")
    types["phone"].prepare(make_field("phone", settings={"region": "XX"}), ctx)
    assert problems == [(("region",), "unknown phone region 'XX'")]
