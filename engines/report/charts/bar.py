"""Bar chart: grouped (default) or stacked bars of measures per dimension value, split by a second."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import axis_checks, finish, hover, ys
from engines.report.shape import series

TYPE = "bar"
OPTIONS = {"stacked": {"type": "boolean", "description": "stack the series instead of grouping them"},
           "horizontal": {"type": "boolean", "description": "bars from the left instead of from the bottom"}}
DIMENSIONS = (1, 2)
MEASURES = (1, None)


def check(chart, dataset):
    return axis_checks(chart, dataset)


def statement(query):
    return query.grouped()


def figure(rows, chart, dataset, lang):
    xs, bars = series(rows, chart, dataset, lang)
    horizontal = bool(chart.options.get("horizontal"))
    fig = go.Figure()
    for name, measure, values in bars:
        axis = dict(x=ys(measure, values), y=xs, orientation="h") if horizontal else dict(x=xs, y=ys(measure, values))
        where = "%{y}" if horizontal else "%{x}"
        fig.add_trace(go.Bar(name=name, customdata=hover(measure, values),
                             hovertemplate=where + "<br>" + name + ": %{customdata}<extra></extra>", **axis))
    category = dict(type="category")
    return finish(fig, barmode="stack" if chart.options.get("stacked") else "group",
                  **({"yaxis": category} if horizontal else {"xaxis": category}))
