import pytest


@pytest.mark.parametrize("raw, value", [("#FF0000", "#ff0000"), ("#abc", "#aabbcc"), ("A1B2C3", "#a1b2c3"),
                                        (" #00ff7F ", "#00ff7f")])
def test_color_normalised(types, make_field, raw, value):
    assert types["color"].coerce(make_field("color"), raw) == value


@pytest.mark.parametrize("raw", ["red", "#12345", "#ggg", 123, "#1234567"])
def test_color_refuses(types, make_field, refusal, raw):
    assert refusal(types["color"], make_field("color"), raw) == "must be a colour such as #1a2b3c"


def test_color_widget(types, make_field):
    assert types["color"].widget == "color"
    assert types["color"].json_schema(make_field("color"))["pattern"] == "^#[0-9a-f]{6}$"
