"""Chart types: one module each in this package, found at start-up. Adding a type is one file (and
its test). A module has:

- TYPE: its name in a definition (`type: line`);
- OPTIONS: JSON Schema properties of the chart's own keys (`stacked`, `top`, ...);
- DIMENSIONS, MEASURES: (least, most) of each it takes (most None: any);
- check(chart, dataset) -> [message]: what the builder should refuse besides the counts;
- statement(query): the one SQL statement, built with engines.report.query.ChartQuery;
- figure(rows, chart, dataset, lang) -> a plotly figure as a dict.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType


def _discover():
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.TYPE] = module
    return MappingProxyType(found)


CHART_TYPES = _discover()
