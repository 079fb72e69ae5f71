import pytest


@pytest.mark.parametrize("raw, stored", [("Foo.Bar@Example.COM", "Foo.Bar@example.com"), ("  a@b.co ", "a@b.co")])
def test_email_normalised(types, make_field, raw, stored):
    assert types["email"].coerce(make_field("email"), raw) == stored


@pytest.mark.parametrize("raw", ["not-an-email", "a@b", "a@@b.com", "a b@c.com", 12])
def test_email_refuses(types, make_field, refusal, raw):
    assert refusal(types["email"], make_field("email"), raw) == "is not a valid email address"


def test_email_filters_and_widget(types, make_field):
    ft, f = types["email"], make_field("email")
    assert ft.filter_value(f, "contains", "@example.com") == "@example.com"
    assert ft.filter_value(f, "eq", "A@EXAMPLE.com") == "A@example.com"
    assert ft.widget == "email" and ft.searchable
    assert ft.json_schema(f) == {"type": "string", "format": "email"}
