"""Leaderboard: the top N values of a dimension by the first measure, largest first."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import finish, hover
from engines.report.shape import dim_label, exact

TYPE = "leaderboard"
OPTIONS = {"top": {"type": "integer", "minimum": 1, "maximum": 100, "description": "how many (default 10)"}}
DIMENSIONS = (1, 1)
MEASURES = (1, 4)


def check(chart, dataset):
    if chart.bucket:
        return ["a leaderboard ranks the values of a dimension, not time buckets"]
    return [f"a leaderboard cannot rank by a {dataset.measures[m].kind} measure" for m in chart.measures
            if dataset.measures[m].kind in ("running", "change")][:1]


def statement(query):
    return query.grouped(order="measure", limit=query.chart.options.get("top", 10))


def figure(rows, chart, dataset, lang):
    measures = [dataset.measures[m] for m in chart.measures]
    header = ["#", dataset.dimensions[chart.by[0]].field.label.get(lang) if dataset.dimensions[chart.by[0]].field
              else chart.by[0]] + [m.label.get(lang) for m in measures]
    cells = [list(range(1, len(rows) + 1)), [dim_label(dataset, chart.by[0], r, lang) for r in rows]]
    cells += [[exact(m, r.get(m.name)) for r in rows] for m in measures]
    fig = go.Figure(go.Table(header=dict(values=header, align="left"), cells=dict(values=cells, align="left")))
    first = measures[0]
    fig.update_traces(customdata=hover(first, [r.get(first.name) for r in rows]))
    return finish(fig)
