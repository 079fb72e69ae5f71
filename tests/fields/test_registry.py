"""Every field type honours the shared contract (widgets, filter operators, settings)."""
import pytest

from engines.form.fields import FieldType, field_types

WIDGETS = {"text", "textarea", "number", "checkbox", "date", "datetime", "time", "select",
           "multi_select", "link", "multi_link", "file", "image", "color", "json", "tel", "email",
           "url", "rating", "region", "readonly"}
OPS = {"eq", "ne", "lt", "lte", "gt", "gte", "contains", "in", "isnull"}
EXPECTED = {"text", "integer", "link", "long_text", "decimal", "money", "percent", "rating", "boolean",
            "date", "datetime", "time", "duration", "select", "multi_select", "phone", "email", "url",
            "image", "file", "multi_link", "user", "auto_number", "formula", "lookup", "rollup",
            "json", "barcode", "color", "region"}


def test_registry_has_every_type():
    assert set(field_types()) == EXPECTED


def test_private_helper_module_is_not_a_type():
    assert "_parsing" not in field_types()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_type_follows_contract(name, make_field):
    ftype = field_types()[name]
    assert isinstance(ftype, FieldType)
    assert ftype.name == name
    assert ftype.widget in WIDGETS
    assert set(ftype.filter_ops) <= OPS
    assert ftype.label.zh and ftype.label.en
    assert set(ftype.required_settings) <= set(ftype.settings_schema)
    field = make_field(name)
    assert isinstance(ftype.json_schema(field), dict)
    assert ftype.coerce(field, "") is None and ftype.coerce(field, None) is None


@pytest.mark.parametrize("name", ["formula", "auto_number", "lookup", "rollup"])
def test_computed_types_refuse_input(name, make_field, refusal):
    ftype = field_types()[name]
    assert ftype.computed
    assert refusal(ftype, make_field(name), "42") == "is computed and cannot be set"
