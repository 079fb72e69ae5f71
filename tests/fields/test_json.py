import pytest


@pytest.mark.parametrize("raw, value", [
    ('{"a": [1, 2]}', {"a": [1, 2]}), ({"a": 1}, {"a": 1}), ([1, 2], [1, 2]), (5, 5), ('"hi"', "hi"),
    ("true", True), ("null", None), (" ", None),
])
def test_json_accepts(types, make_field, raw, value):
    assert types["json"].coerce(make_field("json"), raw) == value


@pytest.mark.parametrize("raw", ["{oops", "hello", float("nan"), {1, 2}, {"a": float("inf")}])
def test_json_refuses(types, make_field, refusal, raw):
    assert refusal(types["json"], make_field("json"), raw) == "must be valid JSON"


def test_json_storage_and_output(types, make_field):
    ft, f = types["json"], make_field("json")
    value = {"名": [1, 2]}
    assert ft.to_db(f, value) == '{"名": [1, 2]}'
    assert ft.from_db(f, '{"名": [1, 2]}') == value
    assert ft.to_json(f, value) == value
    assert ft.display(f, value) == '{"名": [1, 2]}'
    assert ft.form_value(f, {"a": 1}) == '{\n  "a": 1\n}'
    assert ft.widget == "json" and ft.json_schema(f) == {}
