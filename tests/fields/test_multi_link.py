import pytest

from engines.form.fields.link import LinkValue


@pytest.fixture
def tags(make_field):
    return make_field("multi_link", table="tags")


@pytest.mark.parametrize("raw, ids", [([3, "1", {"id": 2}, 3], [1, 2, 3]), ("3, 1", [1, 3]), ("[2, 1]", [1, 2]),
                                      (5, [5]), ([LinkValue(4, "x")], [4])])
def test_multi_link_sorted_distinct_ids(types, tags, raw, ids):
    assert types["multi_link"].coerce(tags, raw) == ids


def test_multi_link_empty_is_none(types, tags):
    assert types["multi_link"].coerce(tags, []) is None


def test_multi_link_refuses(types, tags, refusal):
    ft = types["multi_link"]
    assert refusal(ft, tags, [0]) == "must be a record id"
    assert refusal(ft, tags, ["x"]) == "must be a record id"
    assert refusal(ft, tags, "[oops") == "must be a list of record ids"


def test_multi_link_lives_in_a_join_table(types, tags):
    ft = types["multi_link"]
    assert ft.join_table and ft.stored and ft.column_type(tags) is None
    assert ft.required_settings == ("table",)


def test_multi_link_output(types, tags):
    ft = types["multi_link"]
    links = [LinkValue(1, "Red"), LinkValue(2, "Blue")]
    assert ft.to_json(tags, links) == [1, 2]
    assert ft.display(tags, links) == "Red、Blue"
    assert ft.display(tags, links, "en") == "Red, Blue"
    assert ft.display(tags, [1, 2], "en") == "#1, #2"
    assert ft.json_schema(tags)["items"] == {"type": "integer", "minimum": 1}


def test_multi_link_prepare_checks_table(types, make_field, compile_ctx, tags):
    ctx, problems = compile_ctx({"tags": {"fields": {}}, "posts": {"fields": {}}}, "posts")
    types["multi_link"].prepare(tags, ctx)
    assert problems == []
    types["multi_link"].prepare(make_field("multi_link", table="tag"), ctx)
    assert problems == [(("table",), "unknown table 'tag' (did you mean 'tags'?)")]
