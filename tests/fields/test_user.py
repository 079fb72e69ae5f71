import pytest
import sqlalchemy as sa


@pytest.mark.parametrize("raw", ["12", 12, {"id": 12}])
def test_user_accepts_ids(types, make_field, raw):
    assert types["user"].coerce(make_field("user"), raw) == 12


@pytest.mark.parametrize("raw", ["abc", 0, True, "1.5"])
def test_user_refuses(types, make_field, refusal, raw):
    assert refusal(types["user"], make_field("user"), raw) == "must be a user id"


def test_user_needs_no_table(types, make_field, compile_ctx):
    ft, f = types["user"], make_field("user")
    ctx, problems = compile_ctx({}, "t")
    assert ft.prepare(f, ctx) == f and problems == []
    assert ft.required_settings == ()
    assert isinstance(ft.column_type(f), sa.BigInteger)
    assert ft.json_schema(f)["type"] == "integer"
    assert ft.widget == "text"
