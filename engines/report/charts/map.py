"""Map / heat of a region field: a treemap of provinces (and their cities, with a second dimension),
each tile sized and coloured by the measure. No map tiles: it works offline."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import finish, hover, ys
from engines.report.shape import dim_label

TYPE = "map"
OPTIONS = {}
DIMENSIONS = (1, 2)
MEASURES = (1, 1)


def check(chart, dataset):
    if chart.bucket:
        return ["a map shows regions: use dimensions with `part: province` or `part: city`"]
    if dataset.measures[chart.measures[0]].kind in ("running", "change"):
        return ["a map cannot show a running total or a change"]
    return []


def statement(query):
    return query.grouped(order="measure")


def figure(rows, chart, dataset, lang):
    m = dataset.measures[chart.measures[0]]
    values = [r.get(m.name) for r in rows]
    ids, labels, parents = [], [], []
    if len(chart.by) == 1:
        for r in rows:
            label = dim_label(dataset, chart.by[0], r, lang)
            ids.append(label), labels.append(label), parents.append("")
        sizes = ys(m, values)
        custom = hover(m, values)
        branch = "remainder"
    else:
        # provinces as parents: their values are computed by plotly from the cities ("total")
        provinces = []
        for r in rows:
            p = dim_label(dataset, chart.by[0], r, lang)
            c = dim_label(dataset, chart.by[1], r, lang)
            ids.append(f"{p}/{c}"), labels.append(c), parents.append(p)
            if p not in provinces:
                provinces.append(p)
        sizes = ys(m, values) + [0] * len(provinces)
        custom = hover(m, values) + [""] * len(provinces)
        ids, labels, parents = ids + provinces, labels + provinces, parents + [""] * len(provinces)
        branch = "remainder"   # a province is the sum of its cities
    fig = go.Figure(go.Treemap(ids=ids, labels=labels, parents=parents, values=sizes, branchvalues=branch,
                               customdata=custom, marker=dict(colors=sizes, colorscale="YlOrRd", showscale=True),
                               hovertemplate="%{label}: %{value}<extra></extra>"))
    return finish(fig)
