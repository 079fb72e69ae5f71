"""A chart of one of the app's dashboards (engines/report draws it: the same statement, cache and
plotly figure), over the rows the person may read and, on a page with a record, only the rows that
link to it: a member's own points per week.

    - chart: {dashboard: points_cockpit, chart: weekly}
"""
from __future__ import annotations

import json
import operator
from dataclasses import dataclass

from engines.common.problems import did_you_mean
from engines.form.row_filter import path_condition

KEY = "chart"
NEEDS_RECORD = False
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["dashboard", "chart"],
          "properties": {"dashboard": {"type": "string"}, "chart": {"type": "string"},
                         "link": {"type": "string", "description": "the dataset table's link to the page's record"}}}


@dataclass(frozen=True)
class Chart:
    dashboard: str
    chart: str
    table: str                # the dataset's table
    link: str | None          # its link to the page's record, if the page has one


def compile(spec, cc):
    boards = cc.reports.dashboards if cc.reports is not None else {}
    board = boards.get(spec["dashboard"])
    if board is None:
        cc.problem(("dashboard",), f"unknown dashboard '{spec['dashboard']}'{did_you_mean(spec['dashboard'], boards)}")
        return None
    chart = board.charts.get(spec["chart"])
    if chart is None:
        cc.problem(("chart",), f"dashboard '{board.name}' has no chart '{spec['chart']}'"
                               f"{did_you_mean(spec['chart'], board.charts)}")
        return None
    table = cc.reports.datasets[chart.dataset].table
    link = None
    if cc.table is not None and (spec.get("link") or any(
            f.type == "link" and f.table == cc.table for f in cc.tables[table].fields.values())):
        link = cc.link_to(table, cc.table, spec.get("link"), ("link",))
    return Chart(board.name, chart.name, table, link)


def render(options, view):
    runtime = view.form.extensions.get("reports")
    if runtime is None or not view.access.allows(options.table, "read"):
        return ""
    rows = view.access.rows(options.table)
    if options.link and view.record is not None:
        mine = path_condition(view.form, options.table, (options.link,), operator.eq, view.record["id"])
        rows = mine if rows is None else rows & mine
    elif options.link:
        return ""
    board = runtime.dashboards[options.dashboard]
    chart = board.charts[options.chart]
    figure = runtime.screen_figure(board, chart, {options.table: rows}, view.lang)
    return view.render(KEY, title=chart.title.get(view.lang), figure=json.dumps(figure, default=str))
