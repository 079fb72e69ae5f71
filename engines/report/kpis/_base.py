"""The shape of a KPI and the parameter handling every family shares."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import sqlalchemy as sa

from engines.report.conditions import one_of
from engines.report.frame import table_frame
from engines.report.model import Ref
from engines.report.paths import PathError, is_numeric, resolve


@dataclass(frozen=True)
class Kpi:
    name: str
    params: Mapping[str, str]            # name -> what it is: "link" | "time" | "number" | "amount" | "value"
    build: Callable                      # (bound params, frame, cond, view params) -> SQL
    format: str = "number"
    scale: float = 1.0
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BoundKpi:
    kpi: Kpi
    values: Mapping[str, Any]            # parameter -> Ref or literal

    def sql(self, frame, cond, params):
        return self.kpi.build(self.values, frame, cond, params)


def bind(kpi: Kpi, raw: Mapping, tables, dataset_table, time_ref, report, related=None) -> BoundKpi | None:
    """Check and resolve `raw`'s parameters; report(key, message) each problem."""
    values, ok = {}, True
    for name, kind in kpi.params.items():
        given = raw.get(name, kpi.defaults.get(name))
        if kind == "time" and given is None:
            if time_ref is None:
                report(name, f"the '{kpi.name}' KPI needs `{name}:` (a date or datetime field) or a dataset `time:`")
                ok = False
            values[name] = time_ref
            continue
        if kind == "link" and given is None:
            links = [f for f in tables[dataset_table].fields.values() if f.type == "link"]
            if len(links) != 1:
                report(name, f"the '{kpi.name}' KPI needs `{name}:` (the link field naming the member)")
                ok = False
                continue
            given = links[0].name
        if kind in ("number",):
            if not isinstance(given, (int, float)) or isinstance(given, bool):
                report(name, f"`{name}:` must be a number")
                ok = False
            values[name] = given
            continue
        if kind == "list":
            values[name] = tuple(given or ())
            continue
        try:
            ref = resolve(tables, dataset_table, given, related if kind == "value" else None)
        except PathError as exc:
            report(name, str(exc))
            ok = False
            continue
        if kind == "link" and ref.type != "link":
            report(name, f"'{given}' is not a link field")
            ok = False
        if kind == "time" and ref.type not in ("date", "datetime"):
            report(name, f"'{given}' is not a date or datetime field")
            ok = False
        if kind == "amount" and not is_numeric(ref):
            report(name, f"'{given}' is not a number field")
            ok = False
        values[name] = ref
    unknown = [k for k in raw if k not in kpi.params and k not in ("kpi", "label", "format", "scale")]
    for k in unknown:
        report(k, f"the '{kpi.name}' KPI has no parameter '{k}' (it takes: {', '.join(kpi.params) or 'none'})")
        ok = False
    return BoundKpi(kpi, values) if ok else None


def members_of(frame, member: Ref):
    """How many rows the link `member` may point to (every member, bought or not), narrowed by the
    dashboard filters on dimensions reached through that link (`member.tier`): a rate per member then
    counts the same members above and below the line."""
    target = frame.form.tables[member.table].fields[member.path[-1]].table
    others = table_frame(frame.form, target, f"{frame.tag}m")
    conds = []
    for name, values in (frame.view.filters.items() if frame.view is not None else ()):
        ref = frame.dataset.dimensions.get(name)
        if ref is None or not values or ref.related or ref.path[:len(member.path)] != member.path:
            continue
        rest = ref.path[len(member.path):]
        col = others.source.c.id if not rest else others.column(
            resolve(frame.form.tables, target, ".".join(rest), None, ref.part))
        conds.append(one_of(col, ref, values))
    query = sa.select(sa.func.count()).select_from(others.from_clause())   # after column(): it adds joins
    return (query.where(*conds) if conds else query).scalar_subquery()
