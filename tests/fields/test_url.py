import pytest


@pytest.mark.parametrize("raw, stored", [
    ("https://example.com/a?b=1", "https://example.com/a?b=1"), ("HTTP://example.com", "http://example.com"),
    ("www.example.com/x", "https://www.example.com/x"), ("http://localhost:8000/", "http://localhost:8000/"),
])
def test_url_accepts(types, make_field, raw, stored):
    assert types["url"].coerce(make_field("url"), raw) == stored


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "javascript:alert(document.cookie)", "ftp://example.com",
                                 "https://", "http:///path", "https://user:pw@example.com", "https://exa mple.com",
                                 "mailto:a@b.com", "example", "https://example.com:99999/", 42])
def test_url_refuses(types, make_field, refusal, raw):
    assert refusal(types["url"], make_field("url"), raw) == \
        "must be a web address starting with http:// or https://"


def test_url_widget_and_schema(types, make_field):
    ft, f = types["url"], make_field("url")
    assert ft.widget == "url"
    assert ft.json_schema(f) == {"type": "string", "format": "uri"}
    assert ft.filter_value(f, "contains", "example") == "example"
