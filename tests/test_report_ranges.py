"""The named date ranges of a dashboard, as local dates [start, end)."""
from __future__ import annotations

import datetime as dt

import pytest

from engines.report.buckets import BadRange, named_range

D = dt.date


@pytest.mark.parametrize("name,today,expected", [
    ("last_7_days", D(2026, 11, 11), (D(2026, 11, 5), D(2026, 11, 12))),
    ("last_30_days", D(2026, 3, 1), (D(2026, 1, 31), D(2026, 3, 2))),
    # this month and the eleven before it: twelve month buckets, in December too
    ("last_12_months", D(2026, 11, 11), (D(2025, 12, 1), D(2026, 11, 12))),
    ("last_12_months", D(2026, 12, 3), (D(2026, 1, 1), D(2026, 12, 4))),
    ("last_12_months", D(2026, 1, 31), (D(2025, 2, 1), D(2026, 2, 1))),
    ("this_month", D(2026, 12, 3), (D(2026, 12, 1), D(2026, 12, 4))),
    ("this_quarter", D(2026, 12, 3), (D(2026, 10, 1), D(2026, 12, 4))),
    ("this_year", D(2026, 12, 3), (D(2026, 1, 1), D(2026, 12, 4))),
    ("all", D(2026, 12, 3), (None, None)),
])
def test_named_ranges(name, today, expected):
    assert named_range(name, today) == expected


def test_an_unknown_range_is_refused():
    with pytest.raises(BadRange):
        named_range("forever", D(2026, 12, 3))
