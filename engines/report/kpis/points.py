"""KPIs over a ledger of points (one row per entry, a signed amount).

- points_issued: the sum of the positive entries; points_consumed: the negated sum of the negative
  ones (both leave out the `exclude:` reasons, say reversals and expiry); points_outstanding: the sum
  of every entry up to the end of the range (what members hold); points_liability: the outstanding
  points times `value:`, their cash value each (0.01: 100 points pay 1 yuan).
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.report.kpis._base import Kpi
from engines.report.measures import both, when

_PARAMS = {"amount": "amount", "reason": "value", "exclude": "list"}
_DEFAULTS = {"amount": "change", "reason": "reason", "exclude": ()}


def _kept(values, frame):
    if not values["exclude"]:
        return None
    return sa.or_(frame.column(values["reason"]).notin_(list(values["exclude"])),
                  frame.column(values["reason"]).is_(None))


def _issued(values, frame, cond, params):
    amount = frame.column(values["amount"])
    return sa.func.coalesce(sa.func.sum(when(amount, both(cond, amount > 0, _kept(values, frame)))), 0)


def _consumed(values, frame, cond, params):
    amount = frame.column(values["amount"])
    return -sa.func.coalesce(sa.func.sum(when(amount, both(cond, amount < 0, _kept(values, frame)))), 0)


def _outstanding(values, frame, cond, params):
    """Everything ever posted up to the range's end: a sub-query without the range's start."""
    other = frame.sibling("b")
    query = sa.select(sa.func.coalesce(sa.func.sum(other.column(values["amount"])), 0))
    end = getattr(frame, "period_end", None)
    limit = other.time_between(None, end) if end else None
    query = query.select_from(other.from_clause())
    if limit is not None:
        query = query.where(limit)
    return query.scalar_subquery()


def _liability(values, frame, cond, params):
    return sa.cast(_outstanding(values, frame, cond, params), sa.Float) * values["value"]


KPIS = {
    "points_issued": Kpi("points_issued", _PARAMS, _issued, defaults=_DEFAULTS),
    "points_consumed": Kpi("points_consumed", _PARAMS, _consumed, defaults=_DEFAULTS),
    "points_outstanding": Kpi("points_outstanding", {"amount": "amount"}, _outstanding,
                              defaults={"amount": "change"}),
    "points_liability": Kpi("points_liability", {"amount": "amount", "value": "number"}, _liability,
                            format="money", defaults={"amount": "change", "value": 0.01}),
}
