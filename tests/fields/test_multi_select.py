import json

import pytest
import sqlalchemy as sa


@pytest.fixture
def colours(make_field, option):
    return make_field("multi_select", options=[option("red", "红", "Red"), option("dark_red", "深红", "Dark red"),
                                               option("blue", "蓝", "Blue")])


@pytest.mark.parametrize("raw, keys", [
    (["blue", "red"], ["red", "blue"]), ("red,blue", ["red", "blue"]), ("红、蓝", ["red", "blue"]),
    ("蓝，深红", ["dark_red", "blue"]), ('["blue"]', ["blue"]), (["red", "红", "red"], ["red"]), ("Blue", ["blue"]),
])
def test_multi_select_accepts(types, colours, raw, keys):
    assert types["multi_select"].coerce(colours, raw) == keys


def test_multi_select_empty_is_none(types, colours):
    ft = types["multi_select"]
    assert ft.coerce(colours, []) is None and ft.coerce(colours, " , ") is None


def test_multi_select_refuses(types, colours, refusal):
    ft = types["multi_select"]
    assert refusal(ft, colours, "[broken") == "must be a list of options"
    assert refusal(ft, colours, [["red"]]) == "must be a list of options"
    assert refusal(ft, colours, ft.coerce(colours, "red,pink"), step="validate") == \
        "'pink' is not one of the options"


def test_multi_select_count_bounds(types, make_field, option, refusal):
    ft = types["multi_select"]
    f = make_field("multi_select", min=2, max=2, options=[option(k, k) for k in "abc"])
    ft.validate(f, ["a", "b"])
    assert refusal(ft, f, ["a"], step="validate") == "choose at least 2"
    assert refusal(ft, f, ["a", "b", "c"], step="validate") == "choose at most 2"


def test_multi_select_storage_and_output(types, colours):
    ft = types["multi_select"]
    assert ft.to_db(colours, ["red", "blue"]) == '["red", "blue"]'
    assert ft.from_db(colours, '["red", "blue"]') == ["red", "blue"]
    assert ft.to_json(colours, ["red", "blue"]) == ["red", "blue"]
    assert ft.display(colours, ["red", "blue"]) == "红、蓝"
    assert ft.display(colours, ["red", "blue"], "en") == "Red, Blue"
    assert ft.json_schema(colours)["items"]["enum"] == ["red", "dark_red", "blue"]


def test_multi_select_contains_matches_the_exact_key_in_sql(types, colours):
    ft = types["multi_select"]
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("c", ft.column_type(colours)))
    table.metadata.create_all(engine)
    rows = {1: ["red", "blue"], 2: ["dark_red"], 3: ["blue"], 4: None}
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "c": ft.to_db(colours, v)} for i, v in rows.items()])

        def ids(raw):
            cond = ft.sql_condition(colours, table.c.c, "contains", ft.filter_value(colours, "contains", raw))
            return sorted(conn.execute(sa.select(table.c.id).where(cond)).scalars())

        assert ids("red") == [1]            # not "dark_red"
        assert ids("深红") == [2]
        assert ids("blue") == [1, 3]
        # "_" is a LIKE wildcard: "dark_red" must not match "darkXred"
        conn.execute(table.insert(), {"id": 5, "c": json.dumps(["darkXred"])})
        assert ids("dark_red") == [2]
