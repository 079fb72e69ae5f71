"""A pivot's cells and totals from one pass over the rows: the rows are grouped once by the row and
column dimensions (and by the value a distinct count counts) in a CTE, and the cells, row totals,
column totals and the grand total are aggregates of those groups (a UNION ALL of four small GROUP
BYs over the CTE). Totals stay computed, not added up: a distinct count's total counts the distinct
values again, an average's total divides the summed sums by the summed counts.

Measures that cannot be split this way (KPIs, a second distinct count) make `split()` return None;
the pivot then runs its four groupings over the rows themselves.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.report.measures import aggregate, both, when


class _Unsplittable(Exception):
    pass


class _Split:
    def __init__(self, frame, measures, params):
        self.frame, self.measures, self.params = frame, measures, params
        self.parts: dict[str, object] = {}     # CTE column -> the aggregate over the rows of a group
        self.key = None                        # the value a distinct count counts (a grouping key)

    def _part(self, sql) -> str:
        name = f"__p{len(self.parts)}"
        self.parts[name] = sql
        return name

    def measure(self, m, extra=None):
        """A function (CTE columns, whether the grouping is the CTE's own) giving `m` over groups."""
        cond = both(m.where.sql(self.frame, self.params) if m.where is not None else None, extra)
        if m.kind in ("count", "sum"):
            name = self._part(aggregate(m, self.frame, self.measures, extra, self.params))
            return lambda c, cell: sa.func.sum(c[name])
        if m.kind in ("min", "max"):
            name = self._part(aggregate(m, self.frame, self.measures, extra, self.params))
            return lambda c, cell: getattr(sa.func, m.kind)(c[name])
        if m.kind == "avg":
            value = sa.cast(self.frame.column(m.ref), sa.Float)
            total, n = self._part(sa.func.sum(when(value, cond))), self._part(sa.func.count(when(value, cond)))
            return lambda c, cell: sa.func.sum(c[total]) / sa.func.nullif(sa.cast(sa.func.sum(c[n]), sa.Float), 0)
        if m.kind == "distinct":
            if self.key is not None:
                raise _Unsplittable
            self.key = when(self.frame.column(m.ref), cond)
            # a cell's groups differ only by the key: counting them is counting distinct values
            return lambda c, cell: sa.func.count(c["__key"]) if cell else sa.func.count(sa.distinct(c["__key"]))
        if m.kind == "ratio":
            top, bottom = (self.measure(self.measures[n], cond) for n in m.args)
            return lambda c, cell: (sa.cast(top(c, cell), sa.Float)
                                    / sa.func.nullif(sa.cast(bottom(c, cell), sa.Float), 0))
        raise _Unsplittable                     # a KPI: its SQL needs the rows themselves


def split(query, frame, start, end):
    """The pivot's statement through a CTE of groups, or None when a measure cannot be split."""
    names = list(query.chart.by)
    work = _Split(frame, query.dataset.measures, query.view.params)
    try:
        finals = [(m.name, work.measure(m)) for m in query.measures]
    except _Unsplittable:
        return None
    dims = query.dims(frame, names)             # (label, SQL), a link's title beside its id
    labels = [n for n, _ in dims]
    cond = query.where(frame, start, end)       # before from_clause(): a filter may add a join
    keys = [c.label(n) for n, c in dims] + ([work.key.label("__key")] if work.key is not None else [])
    groups = sa.select(*keys, *[sql.label(n) for n, sql in work.parts.items()]).select_from(frame.from_clause())
    if cond is not None:
        groups = groups.where(cond)
    if keys:
        groups = groups.group_by(*[k.element for k in keys])
    cells = groups.cte("pivot_groups")
    own = {n: [x for x in (n, f"{n}__title") if x in labels] for n in names}   # a link's title goes with it
    parts = []
    for kind, keep in (("cell", names), ("row", names[:1]), ("col", names[1:]), ("all", [])):
        kept = [x for n in keep for x in own[n]]
        cols = [sa.literal(kind).label("__kind")]
        cols += [(cells.c[x] if x in kept else sa.null()).label(x) for x in labels]
        cols += [fn(cells.c, kind == "cell").label(name) for name, fn in finals]
        stmt = sa.select(*cols).select_from(cells)
        parts.append(stmt.group_by(*[cells.c[x] for x in kept]) if kept else stmt)
    return sa.union_all(*parts)
