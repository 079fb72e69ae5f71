"""Reusable KPI measures: `{kpi: repurchase_rate, member: customer, time: paid_at}` in any dataset.

One module per family, each with KPIS: {name: Kpi}. A Kpi names its parameters (with defaults worked
out from the dataset: its table's only link to another table, its `time:` field) and builds the
measure's SQL over a Frame, in the chart's one statement (correlated sub-queries where it needs other
rows of the same member).
"""
from __future__ import annotations

from types import MappingProxyType

from engines.common.plugins import plugin_modules

KPIS = MappingProxyType({name: kpi for m in plugin_modules(__name__, __path__) for name, kpi in m.KPIS.items()})
