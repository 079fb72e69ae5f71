"""The import's fast path for mainland mobiles gives exactly what phonenumbers gives."""
from types import SimpleNamespace

import phonenumbers
import pytest
from hypothesis import given, settings, strategies as st

from engines.form.fields.base import FieldError
from engines.form.fields.phone import PhoneField, mainland_mobile

CN = SimpleNamespace(settings={"region": "CN"})


def by_phonenumbers(text):
    """The phone field's answer before the fast path: E.164, or None when it is refused."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.extension:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def spelled(digits, prefix, seps):
    text = digits[0] + "".join(sep + d for sep, d in zip(seps, digits[1:]))
    return prefix + text


mobiles = st.builds(lambda second, rest: "1" + second + rest,
                    st.sampled_from("0123456789"), st.text("0123456789", min_size=8, max_size=10))
spellings = st.builds(spelled, mobiles,
                      st.sampled_from(["", "+86", "0086", "+86 ", "0086-", "86", "+86  ", "+ 86", "0"]),
                      st.lists(st.sampled_from(["", "", "", " ", "-", "  ", "--", "."]), min_size=10, max_size=10))


@settings(max_examples=3000, deadline=None)
@given(spellings)
def test_fast_path_agrees_with_phonenumbers_on_generated_mobiles(text):
    fast = mainland_mobile(text)
    if fast is not None:
        assert fast == by_phonenumbers(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.sampled_from("0123456789+- ().86"), max_size=20))
def test_fast_path_never_accepts_what_phonenumbers_refuses(text):
    fast = mainland_mobile(text)
    if fast is not None:
        assert fast == by_phonenumbers(text)


@settings(max_examples=2000, deadline=None)
@given(spellings)
def test_the_field_gives_the_same_answer_as_phonenumbers(text):
    expected = by_phonenumbers(text.strip())
    if expected is None:
        with pytest.raises(FieldError):
            PhoneField().parse(CN, text)
    else:
        assert PhoneField().parse(CN, text) == expected


@pytest.mark.parametrize("text", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                  "+8613812345678", "0086 13812345678", "0086-138-1234-5678"])
def test_the_common_spellings_take_the_fast_path(text):
    assert mainland_mobile(text) == "+8613812345678"


@pytest.mark.parametrize("text", ["14012345678", "1381234567", "138123456789", "010 6552 9988",
                                  "+852 9123 4567", "(138) 1234 5678", "86 138 1234 5678"])
def test_other_numbers_are_left_to_phonenumbers(text):
    assert mainland_mobile(text) is None


def test_a_spreadsheet_number_cell_takes_the_fast_path():
    assert PhoneField().parse(CN, 13812345678.0) == "+8613812345678"
    assert PhoneField().parse(CN, 13812345678) == "+8613812345678"
