"""A small fixed data set for the report tests; every expected number in them is worked out from it."""
from __future__ import annotations

import datetime as dt

from engines.report.query import View

APP = """
app: shop
roles: [manager, clerk]
timezone: Asia/Shanghai
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
      tier: {type: select, options: [normal, vip]}
      region: {type: region}
  orders:
    fields:
      member: {type: link, table: members}
      amount: {type: money}
      status: {type: select, options: [pending, completed]}
      ordered_at: {type: datetime, required: true}
  points:
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer}
      reason: {type: select, options: [order, redemption, expiry, check_in]}
      at: {type: datetime}
datasets:
  orders:
    table: orders
    time: ordered_at
    where: record.status == 'completed' and record.amount >= param.min_amount
    dimensions:
      tier: member.tier
      member: member
      province: {field: member.region, part: province}
      city: {field: member.region, part: city}
    measures:
      n: count
      sales: {sum: amount, label: {zh: 销售额, en: Sales}}
      avg_amount: {avg: amount}
      biggest: {max: amount}
      smallest: {min: amount}
      per_buyer: {ratio: [sales, buyers]}
      buyers: {distinct: member}
      cum: {running: sales}
      delta: {change: sales}
      repurchase: {kpi: repurchase_rate}
      gap: {kpi: avg_days_between}
      arpu: {kpi: arpu}
      aov: {kpi: aov_members}
      aov_non: {kpi: aov_non_members}
  members:
    table: members
    dimensions: {tier: tier}
    related:
      purchases: {table: orders, count: true, where: "record.status == 'completed'"}
      last_purchase: {table: orders, max: ordered_at, where: "record.status == 'completed'"}
    measures:
      members: count
      buyers: {count: true, where: record.purchases >= 1}
      repeaters: {count: true, where: record.purchases >= 2}
      churn: {kpi: churn_rate, last_purchase: last_purchase, days: 7}
  points:
    table: points
    time: at
    dimensions: {reason: reason}
    measures:
      issued: {kpi: points_issued, exclude: [expiry]}
      consumed: {kpi: points_consumed, exclude: [expiry]}
      outstanding: {kpi: points_outstanding}
      liability: {kpi: points_liability, value: 0.01}
dashboards:
  sales:
    label: {zh: 销售, en: Sales}
    roles: [manager]
    range: last_30_days
    refresh: 60
    filters: [tier]
    params: {min_amount: {type: number, label: {zh: 最低金额, en: Minimum amount}}}
    charts:
      daily: {type: line, dataset: orders, by: day, measures: [sales, cum]}
      weekly: {type: bar, dataset: orders, by: [week, tier], measures: sales, stacked: true}
      tiers: {type: pie, dataset: orders, by: tier, measures: sales, donut: true}
      card: {type: indicator, dataset: orders, measures: [sales, n]}
      top: {type: leaderboard, dataset: orders, by: member, measures: [sales, n], top: 2}
      grid: {type: pivot, dataset: orders, by: [tier, province], measures: buyers}
      steps: {type: funnel, dataset: members, measures: [members, buyers, repeaters]}
      where: {type: map, dataset: orders, by: province, measures: n}
      kpis: {type: indicator, dataset: orders, measures: [repurchase, gap, arpu, aov]}
      churn: {type: indicator, dataset: members, measures: churn}
      points: {type: indicator, dataset: points, measures: [issued, consumed, outstanding, liability]}
"""

RANGE = View(start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 12))   # 2 to 11 November, local dates
ARGS = "from=2026-11-02&to=2026-11-11"


def fill(inst):
    """Times are local (Asia/Shanghai); the record service stores them in UTC."""
    rec = inst.records
    a = rec.create("members", {"name": "A", "tier": "vip", "region": "广东省/深圳市/南山区"})["id"]
    b = rec.create("members", {"name": "B", "tier": "normal", "region": "浙江省/杭州市/西湖区"})["id"]
    c = rec.create("members", {"name": "C", "tier": "vip", "region": "广东省/广州市/天河区"})["id"]
    rec.create("members", {"name": "D", "tier": "normal"})
    for member, amount, status, at in [
        (a, 100, "completed", "2026-11-02 09:00"), (a, 50, "completed", "2026-11-02 23:30"),
        (b, 30, "completed", "2026-11-04 10:00"), (c, 200, "completed", "2026-11-10 08:00"),
        (a, 20, "completed", "2026-11-11 00:30"),          # 16:30 UTC on the 10th: local day 11th
        (b, 999, "pending", "2026-11-04 12:00"), (b, 40, "completed", "2026-10-25 10:00"),
    ]:
        rec.create("orders", {"member": member, "amount": amount, "status": status, "ordered_at": at})
    for change, reason, at in [(500, "order", "2026-10-20 10:00"), (100, "order", "2026-11-02 10:00"),
                               (50, "order", "2026-11-03 10:00"), (-30, "redemption", "2026-11-04 10:00"),
                               (-20, "expiry", "2026-11-05 10:00"), (10, "check_in", "2026-11-05 11:00")]:
        rec.create("points", {"member": a, "change": change, "reason": reason, "at": at})
    return a, b, c
