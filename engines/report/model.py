"""The compiled report definitions: datasets, measures, charts, dashboards. Frozen, built once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from engines.common.labels import Label

BUCKETS = ("day", "week", "month", "quarter", "year")
RANGES = ("last_7_days", "last_30_days", "last_90_days", "last_12_months", "this_month",
          "this_quarter", "this_year", "all")


@dataclass(frozen=True)
class Ref:
    """A value of a dataset row: a stored column reached from the source table through links
    (`member.tier`), or a `related:` aggregate of records linking to it (`path == (name,)`)."""
    path: tuple[str, ...]
    type: str                       # the field type (system columns: integer / datetime)
    related: bool = False
    part: str | None = None         # region fields: province | city
    field: Any = field(default=None, compare=False)   # the Field, when not a system column
    table: str = ""                 # the table holding the last step


@dataclass(frozen=True)
class Related:
    """`related: {purchases: {table: orders, count: true}}`: one correlated sub-query per row."""
    name: str
    table: str
    link: str                       # the field of `table` linking to the dataset's table
    function: str                   # count | sum | avg | min | max
    column: str | None              # None for count
    where: Any = None               # a Condition over `table`'s rows


@dataclass(frozen=True)
class Measure:
    """A base aggregate (`function` over `ref`, only rows where `where` holds), or a measure derived
    from others: ratio, running total, change against the previous period, or a KPI's expression."""
    name: str
    label: Label
    kind: str                       # count | distinct | sum | avg | min | max | ratio | running | change | kpi
    ref: Ref | None = None
    where: Any = None               # a Condition
    args: tuple[str, ...] = ()      # ratio: (numerator, denominator); running/change: (measure,)
    kpi: Any = None                 # a compiled KPI (engines/report/kpis)
    format: str = "number"          # number | percent | money
    scale: float = 1.0              # multiply the value (a ratio shown in %: 100)


@dataclass(frozen=True)
class Dataset:
    name: str
    label: Label
    table: str
    time: Ref | None
    where: Any                      # a Condition or None
    dimensions: Mapping[str, Ref]
    measures: Mapping[str, Measure]
    related: Mapping[str, Related]


@dataclass(frozen=True)
class Chart:
    name: str
    type: str
    title: Label
    dataset: str
    by: tuple[str, ...]             # dimension names; a bucket name (day, month, ...) is the time field
    measures: tuple[str, ...]
    options: Mapping[str, Any]      # the chart type's own keys (stacked, donut, top, ...)
    width: int = 6                  # of 12 grid columns
    path: tuple = ()

    @property
    def bucket(self) -> str | None:
        return next((b for b in self.by if b in BUCKETS), None)


@dataclass(frozen=True)
class Param:
    name: str
    label: Label
    type: str                       # text | number | date
    default: Any = None


@dataclass(frozen=True)
class Dashboard:
    name: str
    label: Label
    roles: tuple[str, ...]          # who may open it (platform administrators always may)
    charts: Mapping[str, Chart]
    filters: tuple[str, ...]        # dimension names offered as global filters
    params: Mapping[str, Param]
    range: str = "last_30_days"     # the date range shown until the viewer picks another
    refresh: int = 0                # seconds between automatic refreshes; 0: never


@dataclass(frozen=True)
class Reports:
    datasets: Mapping[str, Dataset] = field(default_factory=dict)
    dashboards: Mapping[str, Dashboard] = field(default_factory=dict)
