"""KPIs over a dataset of check-ins (one row per member and day checked in, a link to the member).

- check_in_rate: of the members (every member of the linked table, narrowed by the dashboard's
  filters through the link), the share who checked in at least once in the period: the chart's
  bucket (a day: that day's check-in rate), else its date range.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.report.kpis._base import Kpi, members_of
from engines.report.measures import when


def _rate(values, frame, cond, params):
    checkers = sa.func.count(sa.distinct(when(frame.column(values["member"]), cond)))
    return sa.cast(checkers, sa.Float) / sa.func.nullif(sa.cast(members_of(frame, values["member"]), sa.Float), 0)


KPIS = {
    "check_in_rate": Kpi("check_in_rate", {"member": "link"}, _rate, format="percent", scale=100),
}
