"""From result rows to what a chart shows: dimension values as labels (an option's label, a linked
record's title, a bucket's date), measure values as numbers and as exact texts for hovering.
Reshaping a few hundred result rows; never aggregating records."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engines.report.buckets import as_date
from engines.report.model import BUCKETS
from engines.report.words import word


def number(value):
    """A measure value as plotly takes it."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def exact(measure, value) -> str:
    """The value written out in full (hover text, CSV): no rounding beyond 4 decimals of a ratio."""
    if value is None:
        return ""
    value = value * measure.scale if measure.scale != 1 else value
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
    else:
        text = str(value)
    return text + ("%" if measure.format == "percent" else "")


def scaled(measure, value):
    v = number(value)
    return v * measure.scale if measure.scale != 1 and v is not None else v


def dim_label(dataset, name, row, lang) -> str:
    value = row.get(name)
    if name in BUCKETS:
        day = as_date(value)
        return bucket_label(day, name) if day else word("none", lang)
    if value is None:
        return word("none", lang)
    if f"{name}__title" in row and row[f"{name}__title"] is not None:
        return str(row[f"{name}__title"])
    ref = dataset.dimensions[name]
    f = ref.field
    if f is not None and f.options:
        opt = f.option(value)
        return opt.label.get(lang) if opt else str(value)
    if isinstance(value, bool) or ref.type == "boolean":
        return word("yes" if value else "no", lang)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def bucket_label(day: dt.date, bucket: str) -> str:
    if bucket == "month":
        return day.strftime("%Y-%m")
    if bucket == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if bucket == "year":
        return str(day.year)
    return day.isoformat()


def series(rows, chart, dataset, lang):
    """(x labels, [(series name, measure, [values])]) for charts with an x axis and optional series:
    the first dimension is x; a second one splits each measure into series. A missing (x, series)
    pair is zero, or for a running total the value before it."""
    x_name = chart.by[0] if chart.by else None
    split = chart.by[1] if len(chart.by) > 1 else None
    xs, seen = [], set()
    for r in rows:
        label = dim_label(dataset, x_name, r, lang) if x_name else ""
        if label not in seen:
            seen.add(label)
            xs.append(label)
    out = []
    for name in chart.measures:
        m = dataset.measures[name]
        groups: dict = {}
        for r in rows:
            if split and r.get(split) is None and x_name in BUCKETS:
                continue                      # an empty bucket of a split chart: zeros, filled below
            key = dim_label(dataset, split, r, lang) if split else m.label.get(lang)
            groups.setdefault(key, {})[dim_label(dataset, x_name, r, lang) if x_name else ""] = r.get(name)
        for key, by_x in groups.items():
            values, last = [], None
            for x in xs:
                v = by_x.get(x, last if m.kind == "running" else None)
                last = v
                values.append(v)
            title = f"{key} · {m.label.get(lang)}" if split and len(chart.measures) > 1 else key
            out.append((title, m, values))
    return xs, out
