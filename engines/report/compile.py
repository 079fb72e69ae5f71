"""Compile `datasets` and `dashboards` into frozen Reports, reporting every problem at its path."""
from __future__ import annotations

from types import MappingProxyType

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.expr import ExpressionError
from engines.report.charts import CHART_TYPES
from engines.report.conditions import compile_condition
from engines.report.kpis import KPIS
from engines.report.kpis._base import bind
from engines.report.model import BUCKETS, Chart, Dashboard, Dataset, Measure, Param, Related, Reports
from engines.report.paths import TIMES, PathError, is_numeric, resolve, value_type

_BASE = ("count", "distinct", "sum", "avg", "min", "max")
_DERIVED = ("ratio", "running", "change", "kpi")


def compile_reports(datasets, dashboards, tables, roles, report, invalid=frozenset()) -> Reports:
    datasets = datasets if isinstance(datasets, dict) else {}
    dashboards = dashboards if isinstance(dashboards, dict) else {}
    params = {p for d in dashboards.values() if isinstance(d, dict) and isinstance(d.get("params"), dict)
              for p in d["params"]}
    out = {}
    for name, spec in datasets.items():
        path = ("datasets", name)
        if isinstance(spec, dict) and not any(p[:2] == path for p in invalid):
            ds = _dataset(name, spec, tables, params, lambda p, m, at_key=False, b=path: report(b + tuple(p), m, at_key))
            if ds is not None:
                out[name] = ds
    boards = {}
    for name, spec in dashboards.items():
        path = ("dashboards", name)
        if isinstance(spec, dict) and not any(p[:2] == path for p in invalid):
            boards[name] = _dashboard(name, spec, out, datasets, roles,
                                      lambda p, m, at_key=False, b=path: report(b + tuple(p), m, at_key))
    return Reports(datasets=MappingProxyType(out), dashboards=MappingProxyType(boards))


def _dataset(name, spec, tables, params, report):
    table = spec["table"]
    if table not in tables:
        report(("table",), f"unknown table '{table}'{did_you_mean(table, tables)}")
        return None
    related = {}
    for rname, r in (spec.get("related") or {}).items():
        found = _related(rname, r, table, tables, lambda p, m, b=("related", rname): report(b + tuple(p), m))
        if found is not None:
            related[rname] = found
    time = None
    if "time" in spec:
        try:
            time = resolve(tables, table, spec["time"])
            if value_type(time) not in TIMES:
                report(("time",), f"'{spec['time']}' is {time.type}; `time:` needs a date or datetime field")
                time = None
        except PathError as exc:
            report(("time",), str(exc))
    where = _condition(spec.get("where"), tables, table, related, params, ("where",), report)
    dims = {}
    for dname, d in (spec.get("dimensions") or {}).items():
        if dname in BUCKETS:
            report(("dimensions", dname), f"'{dname}' is a time bucket name; choose another name", True)
            continue
        text, part = (d, None) if isinstance(d, str) else (d.get("field"), d.get("part"))
        try:
            dims[dname] = resolve(tables, table, text, related, part)
        except PathError as exc:
            report(("dimensions", dname), str(exc))
    ctx = dict(tables=tables, table=table, related=related, params=params, time=time)
    raw = spec.get("measures") or {}
    measures = {}
    for mname, m in raw.items():       # base measures and KPIs first: derived ones name them
        kind = _kind(m)
        if kind not in ("ratio", "running", "change"):
            found = _measure(mname, m, kind, ctx, measures, lambda p, msg, b=("measures", mname): report(b + tuple(p), msg))
            if found is not None:
                measures[mname] = found
    for mname, m in raw.items():
        kind = _kind(m)
        if kind in ("ratio", "running", "change"):
            found = _measure(mname, m, kind, ctx, measures, lambda p, msg, b=("measures", mname): report(b + tuple(p), msg))
            if found is not None:
                measures[mname] = found
    return Dataset(name=name, label=Label.of(spec.get("label"), name), table=table, time=time, where=where,
                   dimensions=MappingProxyType(dims), measures=MappingProxyType(measures),
                   related=MappingProxyType(related))


def _kind(m):
    if m == "count":
        return "count"
    if not isinstance(m, dict):
        return None
    kinds = [k for k in (*_BASE, *_DERIVED) if k in m]
    return kinds[0] if len(kinds) == 1 else None


def _related(name, r, table, tables, report):
    other = r["table"]
    if other not in tables:
        report(("table",), f"unknown table '{other}'{did_you_mean(other, tables)}")
        return None
    links = [f.name for f in tables[other].fields.values() if f.type == "link" and f.table == table]
    link = r.get("link")
    if link is None and len(links) != 1:
        report((), f"table '{other}' has {'no link' if not links else 'several links'} to '{table}'; "
                   "name the one to follow with `link:`")
        return None
    link = link or links[0]
    if link not in links:
        report(("link",), f"'{link}' is not a link of '{other}' to '{table}'{did_you_mean(link, links)}")
        return None
    fns = [k for k in ("count", "sum", "avg", "min", "max") if k in r]
    if len(fns) != 1:
        report((), "give exactly one of count, sum, avg, min, max")
        return None
    column = None if fns[0] == "count" else r[fns[0]]
    if column is not None:
        try:
            ref = resolve(tables, other, column)
        except PathError as exc:
            report((fns[0],), str(exc))
            return None
        if len(ref.path) != 1:
            report((fns[0],), "a related aggregate takes a field of that table itself")
            return None
        if fns[0] in ("sum", "avg") and not is_numeric(ref):
            report((fns[0],), f"{fns[0]} needs a number field; '{column}' is {ref.type}")
            return None
    where = _condition(r.get("where"), tables, other, None, (), ("where",), report)
    return Related(name=name, table=other, link=link, function=fns[0], column=column, where=where)


def _condition(source, tables, table, related, params, path, report):
    if source is None:
        return None
    try:
        return compile_condition(source, tables, table, related, params)
    except ExpressionError as exc:
        report(path, str(exc))
        return None


def _measure(name, m, kind, ctx, known, report):
    if kind is None:
        report((), "give exactly one of count, distinct, sum, avg, min, max, ratio, running, change, kpi")
        return None
    m = {"count": True} if m == "count" else m
    where = _condition(m.get("where"), ctx["tables"], ctx["table"], ctx["related"], ctx["params"], ("where",), report)
    label = Label.of(m.get("label"), name)
    common = dict(name=name, label=label, where=where, format=m.get("format", "number"), scale=m.get("scale", 1))
    if kind in _BASE:
        ref = None
        if not (kind == "count" and m["count"] is True):
            try:
                ref = resolve(ctx["tables"], ctx["table"], m[kind], ctx["related"])
            except PathError as exc:
                report((kind,), str(exc))
                return None
            if kind in ("sum", "avg") and not is_numeric(ref):
                report((kind,), f"{kind} needs a number field; '{m[kind]}' is {ref.type}")
                return None
        return Measure(kind=kind, ref=ref, **common)
    if kind == "kpi":
        kpi = KPIS[m["kpi"]]
        bound = bind(kpi, m, ctx["tables"], ctx["table"], ctx["time"], lambda k, msg: report((k,), msg),
                     ctx["related"])
        if bound is None:
            return None
        common.update(format=m.get("format", kpi.format), scale=m.get("scale", kpi.scale))
        return Measure(kind="kpi", kpi=bound, **common)
    args = tuple(m[kind]) if kind == "ratio" else (m[kind],)
    for i, arg in enumerate(args):
        where_at = (kind, i) if kind == "ratio" else (kind,)
        if arg not in known:
            report(where_at, f"unknown measure '{arg}'{did_you_mean(str(arg), known)}")
            return None
        if known[arg].kind in ("running", "change"):
            report(where_at, f"'{arg}' is itself a {known[arg].kind}; name a measure that is not")
            return None
    if kind in ("running", "change") and ctx["time"] is None:
        report((kind,), f"a {kind} is over time buckets: the dataset needs `time:`")
        return None
    if kind == "ratio" and "format" not in m:
        common["format"] = "number"
    return Measure(kind=kind, args=args, **common)


def _dashboard(name, spec, datasets, raw_datasets, roles, report):
    for i, role in enumerate(spec.get("roles") or ()):
        if role not in roles:
            report(("roles", i), f"unknown role '{role}'{did_you_mean(role, roles)}")
    refresh = spec.get("refresh", 0)
    if 0 < refresh < 10:
        report(("refresh",), "refresh at most every 10 seconds (or 0: never)")
    params = {p: Param(name=p, label=Label.of(v.get("label"), p), type=v.get("type", "text"), default=v.get("default"))
              for p, v in (spec.get("params") or {}).items()}
    charts = {}
    for cname, c in spec["charts"].items():
        chart = _chart(cname, c, datasets, raw_datasets,
                       lambda p, m, at_key=False, b=("charts", cname): report(b + tuple(p), m, at_key))
        if chart is not None:
            charts[cname] = chart
    dims = {d for c in charts.values() for d in datasets[c.dataset].dimensions}
    for i, f in enumerate(spec.get("filters") or ()):
        if f not in dims and charts:
            report(("filters", i), f"no chart of this dashboard has a dimension '{f}'{did_you_mean(f, dims)}")
    return Dashboard(name=name, label=Label.of(spec.get("label"), name), roles=tuple(spec.get("roles") or ()),
                     charts=MappingProxyType(charts), filters=tuple(spec.get("filters") or ()),
                     params=MappingProxyType(params), range=spec.get("range", "last_30_days"), refresh=refresh)


def _names(value):
    return (value,) if isinstance(value, str) else tuple(value or ())


def _chart(name, c, datasets, raw_datasets, report):
    module = CHART_TYPES[c["type"]]
    ds = datasets.get(c["dataset"])
    if ds is None:
        if c["dataset"] not in raw_datasets:        # a dataset with errors is reported where it is
            report(("dataset",), f"unknown dataset '{c['dataset']}'{did_you_mean(c['dataset'], raw_datasets)}")
        return None
    by, measures, ok = _names(c.get("by")), _names(c.get("measures")), True
    for i, d in enumerate(by):
        if d not in ds.dimensions and d not in BUCKETS:
            report(("by",) if isinstance(c.get("by"), str) else ("by", i),
                   f"dataset '{ds.name}' has no dimension '{d}'{did_you_mean(d, [*ds.dimensions, *BUCKETS])}")
            ok = False
    for i, m in enumerate(measures):
        if m not in ds.measures:
            report(("measures",) if isinstance(c.get("measures"), str) else ("measures", i),
                   f"dataset '{ds.name}' has no measure '{m}'{did_you_mean(m, ds.measures)}")
            ok = False
    for what, items, (least, most) in (("dimension", by, module.DIMENSIONS), ("measure", measures, module.MEASURES)):
        if len(items) < least or (most is not None and len(items) > most):
            span = f"{least}" if least == most else f"{least} to {most}" if most else f"at least {least}"
            report(("by" if what == "dimension" else "measures",),
                   f"a {module.TYPE} chart takes {span} {what}{'s' if most != 1 else ''}; {len(items)} given")
            ok = False
    if sum(d in BUCKETS for d in by) > 1:
        report(("by",), "one time bucket per chart")
        ok = False
    if not ok:
        return None
    options = {k: v for k, v in c.items() if k in module.OPTIONS}
    for k in c:
        if k not in ("type", "dataset", "title", "by", "measures", "width") and k not in module.OPTIONS:
            report((k,), f"a {module.TYPE} chart has no '{k}'", True)
            ok = False
    chart = Chart(name=name, type=module.TYPE, title=Label.of(c.get("title"), name), dataset=ds.name, by=by,
                  measures=measures, options=MappingProxyType(options), width=c.get("width", 6))
    for message in module.check(chart, ds):
        report(("type",), message)
        ok = False
    return chart if ok else None
