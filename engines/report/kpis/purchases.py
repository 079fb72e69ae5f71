"""KPIs over a dataset of purchases (orders, consumptions): one row per purchase, a link to the member
who bought, a time and an amount.

- repurchase_rate: of the members who bought in a period (the chart's bucket, else its date range),
  the share who bought at least twice in it.
- avg_days_between: the average number of days between a purchase and the same member's purchase
  before it.
- arpu: amount per member of the linked table (every member, bought or not; the dashboard's filters
  through the link, such as the tier, narrow both).
- aov_members / aov_non_members: the average amount of purchases with / without a member.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.report.kpis._base import Kpi, members_of
from engines.report.measures import both, when


def _same_period(frame, other, time):
    """The earlier purchase falls in the same bucket as this one (without buckets: in the chart's
    date range, whose end this one's time already bounds)."""
    if frame.period_bucket:
        return other.bucket(time, frame.period_bucket) == frame.bucket(time, frame.period_bucket)
    return other.between(time, frame.period_start, None)


def _earlier(values, frame, params, agg):
    """A correlated sub-query over the same member's earlier purchases (the dataset's filter holds)."""
    other = frame.sibling("p")
    member, time = values["member"], values["time"]
    own_time, their_time = frame.column(time), other.column(time)
    # earlier: before it, or at the same moment and made before it (two purchases in one second
    # are still two purchases)
    earlier = sa.or_(their_time < own_time, sa.and_(their_time == own_time, other.source.c.id < frame.source.c.id))
    conds = [other.column(member) == frame.column(member), earlier]
    if frame.dataset.where is not None:
        conds.append(frame.dataset.where.sql(other, params))
    return other, conds, own_time, their_time, agg


def _repurchase(values, frame, cond, params):
    other, conds, own_time, their_time, _ = _earlier(values, frame, params, None)
    same = _same_period(frame, other, values["time"])
    again = sa.exists(sa.select(1).select_from(other.from_clause()).where(*conds, *([same] if same is not None else [])))
    member = frame.column(values["member"])
    repeat = sa.func.count(sa.distinct(when(member, both(cond, again))))
    buyers = sa.func.count(sa.distinct(when(member, cond)))
    return sa.cast(repeat, sa.Float) / sa.func.nullif(sa.cast(buyers, sa.Float), 0)


def _days_between(values, frame, cond, params):
    other, conds, own_time, their_time, _ = _earlier(values, frame, params, None)
    before = sa.select(sa.func.max(their_time)).select_from(other.from_clause()).where(*conds).scalar_subquery()
    if frame.dialect == "postgresql":
        gap = sa.func.extract("epoch", own_time - before) / 86400.0
    else:
        gap = sa.func.julianday(own_time) - sa.func.julianday(before)
    return sa.func.avg(when(gap, cond))


def _arpu(values, frame, cond, params):
    everyone = members_of(frame, values["member"])
    total = sa.func.sum(when(frame.column(values["amount"]), cond))
    return sa.cast(total, sa.Float) / sa.func.nullif(sa.cast(everyone, sa.Float), 0)


def _aov(with_member: bool):
    def build(values, frame, cond, params):
        member = frame.column(values["member"])
        has = member.isnot(None) if with_member else member.is_(None)
        return sa.func.avg(when(sa.cast(frame.column(values["amount"]), sa.Float), both(cond, has)))
    return build


KPIS = {
    "repurchase_rate": Kpi("repurchase_rate", {"member": "link", "time": "time"}, _repurchase,
                           format="percent", scale=100),
    "avg_days_between": Kpi("avg_days_between", {"member": "link", "time": "time"}, _days_between),
    "arpu": Kpi("arpu", {"member": "link", "amount": "amount"}, _arpu, format="money",
                defaults={"amount": "amount"}),
    "aov_members": Kpi("aov_members", {"member": "link", "amount": "amount"}, _aov(True), format="money",
                       defaults={"amount": "amount"}),
    "aov_non_members": Kpi("aov_non_members", {"member": "link", "amount": "amount"}, _aov(False),
                           format="money", defaults={"amount": "amount"}),
}
