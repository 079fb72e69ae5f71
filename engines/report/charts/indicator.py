"""Indicator card: a measure's value over the date range and its change against the period of the
same length before it."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import finish
from engines.report.shape import exact, scaled

TYPE = "indicator"
OPTIONS = {}
DIMENSIONS = (0, 0)
MEASURES = (1, 4)


def check(chart, dataset):
    bad = [m for m in chart.measures if dataset.measures[m].kind in ("running", "change")]
    return [f"an indicator compares a measure with the previous period itself; '{bad[0]}' cannot be shown on one"] \
        if bad else []


def statement(query):
    return query.periods()


def figure(rows, chart, dataset, lang):
    row = rows[0] if rows else {}
    fig = go.Figure()
    n = len(chart.measures)
    for i, name in enumerate(chart.measures):
        m = dataset.measures[name]
        value, before = row.get(name), row.get(f"{name}__previous")
        delta = dict(reference=scaled(m, before), relative=False, valueformat=",") \
            if f"{name}__previous" in row else None
        fig.add_trace(go.Indicator(mode="number+delta" if delta else "number", value=scaled(m, value),
                                   delta=delta, title=dict(text=f"{m.label.get(lang)}<br><sub>{exact(m, value)}</sub>"),
                                   number=dict(suffix="%" if m.format == "percent" else "", valueformat=","),
                                   domain=dict(x=[i / n, (i + 1) / n], y=[0, 1])))
    return finish(fig, height=220)
