import pytest
import sqlalchemy as sa


@pytest.mark.parametrize("raw", [True, "true", "TRUE", "1", 1, "on", "yes", "Y", "是", "√"])
def test_boolean_true(types, make_field, raw):
    assert types["boolean"].coerce(make_field("boolean"), raw) is True


@pytest.mark.parametrize("raw", [False, "false", "0", 0, "off", "no", "否", "×"])
def test_boolean_false(types, make_field, raw):
    assert types["boolean"].coerce(make_field("boolean"), raw) is False


@pytest.mark.parametrize("raw", ["maybe", 2, "x", [True]])
def test_boolean_refuses(types, make_field, refusal, raw):
    assert refusal(types["boolean"], make_field("boolean"), raw) == "must be yes or no"


def test_boolean_output(types, make_field):
    ft, f = types["boolean"], make_field("boolean")
    assert (ft.display(f, True), ft.display(f, False)) == ("是", "否")
    assert (ft.display(f, True, "en"), ft.display(f, False, "en")) == ("Yes", "No")
    assert ft.form_value(f, False) is False     # not the truthy string "False"
    assert ft.to_json(f, True) is True
    assert ft.json_schema(f) == {"type": "boolean"}
    assert isinstance(ft.column_type(f), sa.Boolean) and ft.widget == "checkbox"


def test_boolean_default_false(types, make_field):
    assert types["boolean"].default_value(make_field("boolean", default=False)) is False
