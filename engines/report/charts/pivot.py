"""Pivot table: one measure for each row value x column value, with row, column and grand totals
computed by the database (a distinct count's total is not the sum of its cells)."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.charts._plot import finish
from engines.report.shape import dim_label, exact
from engines.report.words import word

TYPE = "pivot"
OPTIONS = {}
DIMENSIONS = (2, 2)
MEASURES = (1, 1)


def check(chart, dataset):
    kind = dataset.measures[chart.measures[0]].kind
    return [f"a pivot table cannot show a {kind} measure"] if kind in ("running", "change") else []


def statement(query):
    return query.with_totals()


def grid(rows, chart, dataset, lang):
    """(column labels, [(row label, [cells])]) with the totals last; cells are exact texts."""
    m = dataset.measures[chart.measures[0]]
    r_name, c_name = chart.by
    cells, rows_seen, cols_seen = {}, [], []
    for row in rows:
        rk = word("total", lang) if row.get("__kind") in ("col", "all") else dim_label(dataset, r_name, row, lang)
        ck = word("total", lang) if row.get("__kind") in ("row", "all") else dim_label(dataset, c_name, row, lang)
        cells[(rk, ck)] = exact(m, row.get(m.name))
        for key, seen in ((rk, rows_seen), (ck, cols_seen)):
            if key not in seen:
                seen.append(key)
    cols = _totals_last(cols_seen, lang)
    return cols, [(rk, [cells.get((rk, ck), "0") for ck in cols]) for rk in _totals_last(rows_seen, lang)]


def _totals_last(keys, lang):
    return sorted((k for k in keys if k != word("total", lang)), key=str) + [word("total", lang)]


def figure(rows, chart, dataset, lang):
    cols, body = grid(rows, chart, dataset, lang)
    r_ref = dataset.dimensions[chart.by[0]]
    corner = r_ref.field.label.get(lang) if r_ref.field is not None else chart.by[0]
    values = [[rk for rk, _ in body]] + [[cells[i] for _, cells in body] for i in range(len(cols))]
    fig = go.Figure(go.Table(header=dict(values=[corner] + cols, align="left"), cells=dict(values=values, align="left")))
    return finish(fig)
