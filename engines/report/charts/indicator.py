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
# d3 formats: thousands separated; money to the fen; a ratio or a number of days to two places at most
# (the exact value stays in the card's subtitle)
FORMATS = {"money": ",.2f", "percent": ",.1~f", "number": ",.2~f"}


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
        shown = FORMATS.get(m.format, FORMATS["number"])
        # no previous value (nothing happened then): no change shown, rather than all of it as a rise
        delta = dict(reference=scaled(m, before), relative=False, valueformat=shown) \
            if before is not None else None
        fig.add_trace(go.Indicator(mode="number+delta" if delta else "number", value=scaled(m, value),
                                   delta=delta, title=dict(text=f"{m.label.get(lang)}<br><sub>{exact(m, value)}</sub>"),
                                   number=dict(suffix="%" if m.format == "percent" else "", valueformat=shown,
                                               font=dict(size=40 if n > 2 else 48)),
                                   # the lower part: the title above it stays inside the card
                                   domain=dict(x=[i / n, (i + 1) / n], y=[0, 0.7])))
    return finish(fig, height=220)
