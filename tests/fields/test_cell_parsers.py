"""An import's per-column parsers (cell_parser, with the reader's memo) give exactly what parse_cell
gives, value or refusal, for the cells sheets hold: their fast paths change the speed, not the answer."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engines.form.fields import FieldError, field_types
from engines.form.transfer.cells import memo
from tests.fields.conftest import _make_field

CELLS = ["", " ", "abc", " 12 ", "0012", "12", "-5", "1,234", "12.0", "１２", "²", "9" * 25, 12, -3, 2**70, 12.0, 1.5,
         True, False, None, "13800138000", " 138 0013 8000 ", "+8613800138000", "12345", "2024/3/5", "2024-03-05",
         "2024年3月5日", "20240305", "45356", 45356, 45356.0, dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 14, 30),
         "vip", "VIP", "贵宾", "普通", "yes", "否", 1, 0]
TYPES = ["text", "integer", "phone", "select", "date", "boolean", "rating", "barcode", "long_text", "datetime"]


def outcome(fn, cell):
    try:
        return ("value", fn(cell))
    except FieldError as exc:
        return ("refused", exc.message.en)


def _field(make_field, option, name):
    options = [option("normal", "普通", "Normal"), option("vip", "贵宾", "VIP")] if name == "select" else ()
    return make_field(name, options=options)


@pytest.mark.parametrize("type_name", TYPES)
def test_cell_parser_agrees_with_parse_cell(make_field, option, type_name):
    ftype, f = field_types()[type_name], _field(make_field, option, type_name)
    fast = ftype.cell_parser(f)
    remembered = memo(ftype.cell_parser(f))
    for cell in CELLS + CELLS:      # twice: the second time the memo answers
        if isinstance(cell, str) and not cell.strip():
            continue                # the reader skips blank cells before any parser
        expected = outcome(lambda c: ftype.parse_cell(f, c), cell)
        assert outcome(fast, cell) == expected, (type_name, cell)
        assert outcome(remembered, cell) == expected, (type_name, cell)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.integers(), st.from_regex(r"\s*[0-9]{1,20}\s*", fullmatch=True)))
def test_integer_and_text_fast_paths_on_generated_cells(cell):
    if isinstance(cell, str) and not cell.strip():
        return
    for name in ("integer", "text", "phone"):
        ftype = field_types()[name]
        f = _make_field(name)
        assert outcome(ftype.cell_parser(f), cell) == outcome(lambda c: ftype.parse_cell(f, c), cell)


def test_memo_tells_equal_cells_of_different_types_apart(make_field):
    ftype, f = field_types()["date"], make_field("date")
    parse = memo(ftype.cell_parser(f))
    assert parse(45356) == dt.date(2024, 3, 5)
    with pytest.raises(FieldError):
        parse(True)             # True == 1 in Python, but a boolean is no date serial
