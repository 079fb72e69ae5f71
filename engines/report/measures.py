"""Measures as SQL aggregate expressions over a Frame.

Every base aggregate is `f(CASE WHEN <condition> THEN <value> END)`: the measure's own `where:` and
any extra condition (the indicator's current or previous period) select rows inside the aggregate,
so several measures with different filters still come out of one GROUP BY.
"""
from __future__ import annotations

import sqlalchemy as sa

AGGREGATES = ("count", "distinct", "sum", "avg", "min", "max")
WINDOWED = ("running", "change")        # need the time buckets of a chart, computed over its rows


def when(value, cond):
    return value if cond is None else sa.case((cond, value))


def both(*conds):
    conds = [c for c in conds if c is not None]
    return None if not conds else conds[0] if len(conds) == 1 else sa.and_(*conds)


def aggregate(measure, frame, measures, extra=None, params=None):
    """The SQL of a non-windowed measure. `measures`: the dataset's, by name (ratios name others)."""
    kind = measure.kind
    cond = both(measure.where.sql(frame, params) if measure.where is not None else None, extra)
    if kind == "count":
        if measure.ref is None:
            return sa.func.count() if cond is None else sa.func.count(sa.case((cond, 1)))
        return sa.func.count(when(frame.column(measure.ref), cond))
    if kind == "distinct":
        return sa.func.count(sa.distinct(when(frame.column(measure.ref), cond)))
    if kind in ("sum", "avg", "min", "max"):
        value = frame.column(measure.ref)
        if kind == "avg":
            value = sa.cast(value, sa.Float)       # an average of integers is not an integer
        return getattr(sa.func, kind)(when(value, cond))
    if kind == "ratio":
        top, bottom = (aggregate(measures[n], frame, measures, cond, params) for n in measure.args)
        return sa.cast(top, sa.Float) / sa.func.nullif(sa.cast(bottom, sa.Float), 0)
    if kind == "kpi":
        return measure.kpi.sql(frame, cond, params)
    raise ValueError(f"measure '{measure.name}' ({kind}) needs a time axis")


def base_of(measure, measures):
    """The aggregate a windowed measure works on."""
    return measures[measure.args[0]]
