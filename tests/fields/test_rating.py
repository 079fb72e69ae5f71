import pytest


def test_rating_accepts_whole_numbers(types, make_field, refusal):
    ft, f = types["rating"], make_field("rating")
    assert ft.coerce(f, "4") == 4 and ft.coerce(f, 3) == 3
    assert refusal(ft, f, "4.5") == "must be a whole number"


@pytest.mark.parametrize("value", [0, 6, -1])
def test_rating_default_range_is_1_to_5(types, make_field, refusal, value):
    assert refusal(types["rating"], make_field("rating"), value, step="validate") == "must be between 1 and 5"


def test_rating_range_follows_max(types, make_field, refusal):
    ft, f = types["rating"], make_field("rating", max=10)
    ft.validate(f, 10)
    assert refusal(ft, f, 11, step="validate") == "must be between 1 and 10"
    assert ft.input_attrs(f) == {"min": 1, "max": 10, "step": 1}
    assert ft.json_schema(f) == {"type": "integer", "minimum": 1, "maximum": 10}


def test_rating_display_and_widget(types, make_field):
    ft, f = types["rating"], make_field("rating")
    assert ft.display(f, 3) == "★★★☆☆"
    assert ft.widget == "rating"
