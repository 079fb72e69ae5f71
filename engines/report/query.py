"""One chart, one statement: its dataset's rows grouped by the chart's dimensions, its measures
aggregated by the database (`SELECT ... GROUP BY`). A chart over time buckets joins its groups to a
calendar of the range's buckets (a UNION ALL of literals in the same statement), so that an empty
bucket is a row of zeros and running totals and changes are window functions over whole buckets.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa

from engines.report import buckets as bk
from engines.report.conditions import one_of
from engines.report.frame import Frame, grouping
from engines.report.measures import WINDOWED, aggregate, both
from engines.report.model import BUCKETS, Ref
from engines.report.paths import PathError, resolve
from engines.report.rollup import split


MAX_BUCKETS = 400      # a calendar is a UNION ALL of literals; SQLite allows 500 terms


@dataclass(frozen=True)
class View:
    """What the viewer chose: the date range (local dates [start, end)), the global filters
    (dimension name -> values), the parameters, and the rows they may read (an SQL condition on the
    dataset's table, None for all)."""
    start: dt.date | None = None
    end: dt.date | None = None
    filters: Mapping[str, tuple] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    rows: Mapping[str, Any] = field(default_factory=dict)     # table -> condition (None: every row)


class ChartQuery:
    """Builds the statement of one chart; chart types choose grouped(), periods() or with_totals()."""

    def __init__(self, form, dataset, chart, view: View):
        self.form, self.dataset, self.chart, self.view = form, dataset, chart, view
        self.dialect = form.engine.dialect.name
        self.measures = [dataset.measures[m] for m in chart.measures]

    def _frame(self, tag="j"):
        return Frame(self.form, self.dataset, tag=tag, period=(self.chart.bucket, *self.range()), view=self.view)

    # -- pieces --------------------------------------------------------------------------------
    def where(self, frame, start, end):
        ds, view = self.dataset, self.view
        conds = [ds.where.sql(frame, view.params) if ds.where is not None else None,
                 frame.time_between(start, end)]
        for name, values in view.filters.items():
            ref = ds.dimensions.get(name)
            if ref is not None and values:
                conds.append(one_of(frame.column(ref), ref, values))
        if frame.source is self.form.sql[ds.table]:
            conds.append(view.rows.get(ds.table))
        return both(*conds)

    def dims(self, frame, names):
        """[(label in the result, SQL)] for the dimensions `names`; a link adds its target's title."""
        out = []
        for name in names:
            if name in BUCKETS:
                out.append((name, frame.bucket(self.dataset.time, name)))
                continue
            ref = self.dataset.dimensions[name]
            out.append((name, grouping(frame.column(ref), self.dialect)))
            title = self.title_ref(ref)
            if title is not None:
                out.append((f"{name}__title", frame.column(title)))
        return out

    def title_ref(self, ref: Ref) -> Ref | None:
        if ref.type != "link" or ref.field is None:
            return None
        target = self.form.tables[ref.field.table]
        try:
            return resolve(self.form.tables, self.dataset.table, ".".join(ref.path + (target.title_field,)))
        except PathError:
            return None

    def range(self):
        """The chart's [start, end): a time chart always has one (the last buckets without a range)."""
        start, end = self.view.start, self.view.end
        bucket = self.chart.bucket
        if bucket and (start is None or end is None):
            end = end or dt.datetime.now(self.form.timezone).date() + dt.timedelta(days=1)
            start = start or _back(end, bucket)
        return start, end

    # -- statements ----------------------------------------------------------------------------
    def grouped(self, order: str = "dims", limit: int | None = None):
        if self.chart.bucket:
            return self._over_time()
        frame = self._frame()
        start, end = self.range()
        dims = self.dims(frame, self.chart.by)
        values = [aggregate(m, frame, self.dataset.measures, None, self.view.params).label(m.name)
                  for m in self.measures]
        cond = self.where(frame, start, end)
        stmt = sa.select(*[c.label(n) for n, c in dims], *values).select_from(frame.from_clause())
        if cond is not None:
            stmt = stmt.where(cond)
        if dims:
            stmt = stmt.group_by(*[c for _, c in dims])
        if order == "measure" and values:
            stmt = stmt.order_by(sa.desc(sa.literal_column(self.measures[0].name)))
        elif dims:
            stmt = stmt.order_by(*[sa.literal_column(n) for n, _ in dims])
        return stmt.limit(limit) if limit else stmt

    def _over_time(self):
        bucket, start, end = self.chart.bucket, *self.range()
        frame = self._frame()
        dims = self.dims(frame, self.chart.by)
        series = [n for n, _ in dims if n != bucket]
        needed = {}
        for m in self.measures:
            base = self.dataset.measures[m.args[0]] if m.kind in WINDOWED else m
            needed[base.name] = base
        values = [aggregate(m, frame, self.dataset.measures, None, self.view.params).label(n)
                  for n, m in needed.items()]
        cond = self.where(frame, start, end)     # before from_clause(): a filter may add a join
        inner = sa.select(*[c.label(n) for n, c in dims], *values).select_from(frame.from_clause())
        if cond is not None:
            inner = inner.where(cond)
        inner = inner.group_by(*[c for _, c in dims]).subquery("g")
        days = bk.calendar(start, end, bucket, limit=MAX_BUCKETS + 1)
        if len(days) > MAX_BUCKETS:
            raise bk.BadRange(f"more than {MAX_BUCKETS} {bucket} buckets: choose a shorter range or a coarser bucket")
        cal = sa.union_all(*[sa.select(bk.key_literal(d, self.dialect).label("k")) for d in days]).subquery("cal")
        cols = [cal.c.k.label(bucket)] + [inner.c[n] for n in series]
        window = dict(partition_by=[inner.c[n] for n in series] or None, order_by=cal.c.k)
        for m in self.measures:
            if m.kind == "running":
                total = sa.func.sum(sa.func.coalesce(inner.c[m.args[0]], 0)).over(**window)
                if not series and start is not None:
                    total = total + self._opening(m, start)
                cols.append(total.label(m.name))
            elif m.kind == "change":
                value = sa.func.coalesce(inner.c[m.args[0]], 0)
                cols.append((value - sa.func.lag(value).over(**window)).label(m.name))
            else:
                cols.append(sa.func.coalesce(inner.c[m.name], 0).label(m.name))
        return (sa.select(*cols).select_from(cal.outerjoin(inner, inner.c[bucket] == cal.c.k))
                .order_by(cal.c.k, *[inner.c[n] for n in series]))

    def _opening(self, measure, start):
        """What a running total stands at when the range starts: the base measure over every earlier row."""
        frame = self._frame("o")
        base = self.dataset.measures[measure.args[0]]
        value = aggregate(base, frame, self.dataset.measures, None, self.view.params)
        cond = self.where(frame, None, start)
        stmt = sa.select(sa.func.coalesce(value, 0)).select_from(frame.from_clause())
        if cond is not None:
            stmt = stmt.where(cond)
        return stmt.correlate(None).scalar_subquery()

    def periods(self):
        """One row: each measure over the range and, as `<name>__previous`, over the period of the
        same length before it (conditional aggregates of the two periods' rows)."""
        start, end = self.range()
        frame = self._frame()
        previous = start - (end - start) if start and end else None
        cols = []
        for m in self.measures:
            now = frame.time_between(start, end) if previous else None
            cols.append(aggregate(m, frame, self.dataset.measures, now, self.view.params).label(m.name))
            if previous:
                before = frame.time_between(previous, start)
                cols.append(aggregate(m, frame.over_period(previous, start), self.dataset.measures, before,
                                      self.view.params)
                            .label(f"{m.name}__previous"))
        cond = self.where(frame, previous or start, end)     # before from_clause(), as above
        stmt = sa.select(*cols).select_from(frame.from_clause())
        return stmt.where(cond) if cond is not None else stmt

    def with_totals(self):
        """Row x column groups, then row totals, column totals and the grand total (UNION ALL):
        totals of distinct counts and ratios are computed, not added up. From one pass over the rows
        when the measure allows it (engines/report/rollup.py), else four groupings of the rows."""
        start, end = self.range()
        one_pass = split(self, self._frame(), start, end)
        return one_pass if one_pass is not None else self.totals_by_grouping()

    def totals_by_grouping(self):
        """The pivot's four groupings, each over the rows (what a KPI's SQL needs)."""
        start, end = self.range()
        names = list(self.chart.by)
        parts = []
        labels = [n for n, _ in self.dims(self._frame(), names)]
        for kind, keep in (("cell", names), ("row", names[:1]), ("col", names[1:]), ("all", [])):
            frame = self._frame()
            # only the kept dimensions' joins: a total over the store needs no join to the members
            kept = self.dims(frame, keep)
            mine = dict(kept)
            cols = [sa.literal(kind).label("__kind")]
            cols += [(mine[n] if n in mine else sa.null()).label(n) for n in labels]
            cols += [aggregate(m, frame, self.dataset.measures, None, self.view.params).label(m.name)
                     for m in self.measures]
            cond = self.where(frame, start, end)     # before from_clause(): a filter may add a join
            stmt = sa.select(*cols).select_from(frame.from_clause())
            if cond is not None:
                stmt = stmt.where(cond)
            if kept:
                stmt = stmt.group_by(*[c for _, c in kept])
            parts.append(stmt)
        return sa.union_all(*parts)


def _back(end: dt.date, bucket: str) -> dt.date:
    day = bk.bucket_start(end - dt.timedelta(days=1), bucket)
    for _ in range(bk.DEFAULT_SPAN[bucket] - 1):
        day = bk.bucket_start(day - dt.timedelta(days=1), bucket)
    return day


def run(conn, stmt) -> list[dict]:
    return [dict(r) for r in conn.execute(stmt).mappings()]
