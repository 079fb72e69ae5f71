"""Funnel: each measure is a step (registered -> first purchase -> repeat purchase), usually counts
with a condition; the conversion from the first step and from the step before shows on hover."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import finish, ys
from engines.report.shape import exact, number

TYPE = "funnel"
OPTIONS = {}
DIMENSIONS = (0, 0)
MEASURES = (2, 12)


def check(chart, dataset):
    return [f"a funnel step cannot be a {dataset.measures[m].kind} measure" for m in chart.measures
            if dataset.measures[m].kind in ("running", "change", "ratio")][:1]


def statement(query):
    return query.grouped()


def steps(rows, chart, dataset):
    """[(measure, value, share of the first step, share of the step before)]."""
    row = rows[0] if rows else {}
    out, first, before = [], None, None
    for name in chart.measures:
        value = number(row.get(name))
        first = value if first is None else first
        out.append((dataset.measures[name], value, value / first if first else None,
                    value / before if before else None))
        before = value
    return out


def figure(rows, chart, dataset, lang):
    found = steps(rows, chart, dataset)
    text = [f"{exact(m, v)} · {_pct(a)} / {_pct(b)}" for m, v, a, b in found]
    fig = go.Figure(go.Funnel(y=[m.label.get(lang) for m, *_ in found], x=[ys(m, [v])[0] for m, v, *_ in found],
                              customdata=text, textinfo="value+percent initial",
                              hovertemplate="%{y}: %{customdata}<extra></extra>"))
    return finish(fig)


def _pct(share) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"
