"""Line chart: measures over the first dimension (usually a time bucket), split by a second."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import axis_checks, finish, hover, ys
from engines.report.shape import series

TYPE = "line"
OPTIONS = {"area": {"type": "boolean", "description": "fill the area under the lines"}}
DIMENSIONS = (1, 2)
MEASURES = (1, None)


def check(chart, dataset):
    return axis_checks(chart, dataset)


def statement(query):
    return query.grouped()


def figure(rows, chart, dataset, lang):
    xs, lines = series(rows, chart, dataset, lang)
    fig = go.Figure()
    for name, measure, values in lines:
        fig.add_trace(go.Scatter(x=xs, y=ys(measure, values), name=name, mode="lines+markers",
                                 customdata=hover(measure, values),
                                 fill="tozeroy" if chart.options.get("area") else None,
                                 hovertemplate="%{x}<br>" + name + ": %{customdata}<extra></extra>"))
    return finish(fig, xaxis=dict(type="category"))
