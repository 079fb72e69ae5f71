"""Reusable KPI measures: `{kpi: repurchase_rate, member: customer, time: paid_at}` in any dataset.

One module per family, each with KPIS: {name: Kpi}. A Kpi names its parameters (with defaults worked
out from the dataset: its table's only link to another table, its `time:` field) and builds the
measure's SQL over a Frame, in the chart's one statement (correlated sub-queries where it needs other
rows of the same member).
"""
from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType


def _discover():
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found.update(importlib.import_module(f"{__name__}.{info.name}").KPIS)
    return MappingProxyType(found)


KPIS = _discover()
