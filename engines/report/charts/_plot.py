"""What the chart modules share: plotly figures with exact values on hover, a layout for the grid."""
from __future__ import annotations

import plotly.graph_objects as go

from engines.report.shape import exact, scaled

# a year of days or weeks is 53 to 366 labels: a dozen of them, and room for them under the axis
LAYOUT = dict(margin=dict(l=48, r=16, t=16, b=40), height=320, legend=dict(orientation="h", y=-0.2),
              hovermode="closest", xaxis=dict(automargin=True, nticks=12))


def hover(measure, values):
    """customdata holding each value written out in full, for a hovertemplate to show."""
    return [exact(measure, v) for v in values]


def ys(measure, values):
    return [scaled(measure, v) for v in values]


def finish(fig: go.Figure, **layout) -> dict:
    axes = {k: {**LAYOUT[k], **layout[k]} for k in layout if isinstance(LAYOUT.get(k), dict)}
    fig.update_layout(**{**LAYOUT, **layout, **axes})
    return fig.to_plotly_json()


def needs_time(chart, dataset) -> list[str]:
    if dataset.time is None and chart.bucket:
        return [f"dataset '{dataset.name}' has no `time:` field to put in buckets"]
    return []


def no_windowed(chart, dataset) -> list[str]:
    """Running totals and changes are over time buckets: a chart without them cannot show one."""
    if chart.bucket:
        return []
    return [f"measure '{m}' ({dataset.measures[m].kind}) needs a time bucket (day, week, month, quarter, year) "
            "in `by:`" for m in chart.measures if dataset.measures[m].kind in ("running", "change")]


def axis_checks(chart, dataset) -> list[str]:
    """What a chart with an x axis (line, bar) refuses."""
    return needs_time(chart, dataset) + no_windowed(chart, dataset)
