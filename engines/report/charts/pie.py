"""Pie or donut: one measure's share per value of one dimension."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import finish, hover, ys
from engines.report.shape import dim_label

TYPE = "pie"
OPTIONS = {"donut": {"type": "boolean", "description": "a ring instead of a disc"}}
DIMENSIONS = (1, 1)
MEASURES = (1, 1)


def check(chart, dataset):
    if chart.bucket:
        return ["a pie shows shares of a whole: use a dimension, not a time bucket (or a line or bar chart)"]
    kind = dataset.measures[chart.measures[0]].kind
    return [f"a pie cannot show a {kind} measure"] if kind in ("running", "change") else []


def statement(query):
    return query.grouped(order="measure")


def figure(rows, chart, dataset, lang):
    measure = dataset.measures[chart.measures[0]]
    values = [r.get(measure.name) for r in rows]
    fig = go.Figure(go.Pie(labels=[dim_label(dataset, chart.by[0], r, lang) for r in rows], values=ys(measure, values),
                           hole=0.5 if chart.options.get("donut") else 0, sort=False,
                           customdata=hover(measure, values),
                           hovertemplate="%{label}: %{customdata} (%{percent})<extra></extra>"))
    return finish(fig)
