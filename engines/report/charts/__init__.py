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

from engines.common.plugins import registry

CHART_TYPES = registry(__name__, __path__)
