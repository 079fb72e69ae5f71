"""KPIs over a dataset of members, measured by their purchases in another table.

- churn_rate: of the members who ever bought, the share whose last purchase is more than `days:`
  days before the end of the range (default 90).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engines.report.buckets import utc_bound
from engines.report.kpis._base import Kpi
from engines.report.measures import both, when


def _churn(values, frame, cond, params):
    related = frame.dataset.related[values["last_purchase"].path[0]]
    last = frame.related(related.name)
    end = getattr(frame, "period_end", None) or dt.datetime.now(frame.zone).date() + dt.timedelta(days=1)
    cutoff = end - dt.timedelta(days=int(values["days"]))
    bound = utc_bound(cutoff, frame.zone) if related.column and _is_datetime(frame, related) else cutoff
    gone = sa.func.count(when(sa.literal(1), both(cond, last < bound)))
    bought = sa.func.count(when(sa.literal(1), both(cond, last.isnot(None))))
    return sa.cast(gone, sa.Float) / sa.func.nullif(sa.cast(bought, sa.Float), 0)


def _is_datetime(frame, related) -> bool:
    f = frame.form.tables[related.table].fields.get(related.column)
    return f is None or f.type == "datetime"


KPIS = {
    "churn_rate": Kpi("churn_rate", {"last_purchase": "value", "days": "number"}, _churn, format="percent",
                      scale=100, defaults={"days": 90}),
}
