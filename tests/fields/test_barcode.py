import pytest

from engines.form.fields.text import TextField


def barcode(make_field, fmt=None):
    return make_field("barcode", settings={"format": fmt} if fmt else {})


def test_barcode_any(types, make_field, refusal):
    ft = types["barcode"]
    assert ft.coerce(barcode(make_field), " ABC-123 ") == "ABC-123"
    assert refusal(ft, barcode(make_field), "AB\x07C") == "must not contain control characters"
    assert isinstance(ft, TextField) and ft.searchable


@pytest.mark.parametrize("raw", ["4006381333931", 4006381333931, 4006381333931.0])
def test_barcode_ean13_valid(types, make_field, raw):
    assert types["barcode"].coerce(barcode(make_field, "ean13"), raw) == "4006381333931"


@pytest.mark.parametrize("fmt, raw, message", [
    ("ean13", "4006381333932", "has a wrong check digit"),
    ("ean13", "400638133393", "must be 13 digits"),
    ("ean13", "40063813339a1", "must be 13 digits"),
    ("ean8", "96385075", "has a wrong check digit"),
    ("ean8", "9638507", "must be 8 digits"),
    ("code128", "价格123", "may only contain printable ASCII characters"),
])
def test_barcode_refuses(types, make_field, refusal, fmt, raw, message):
    assert refusal(types["barcode"], barcode(make_field, fmt), raw) == message


def test_barcode_ean8_and_code128_valid(types, make_field):
    ft = types["barcode"]
    assert ft.coerce(barcode(make_field, "ean8"), "96385074") == "96385074"
    assert ft.coerce(barcode(make_field, "code128"), "Hello 123!") == "Hello 123!"


def test_barcode_search_accepts_fragments(types, make_field):
    assert types["barcode"].filter_value(barcode(make_field, "ean13"), "contains", "4006") == "4006"
