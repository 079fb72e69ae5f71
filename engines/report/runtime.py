"""The report engine of one installed app at run time: its dashboards, their results cache, and
running a chart (one statement) for a viewer."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from engines.report.buckets import parse_range
from engines.report.cache import ResultCache
from engines.report.charts import CHART_TYPES
from engines.report.indexes import dataset_indexes
from engines.report.query import ChartQuery, View, run


class ReportRuntime:
    def __init__(self, form, reports):
        self.form, self.reports = form, reports
        self.cache = ResultCache()
        # before the schema meets the database: creating or upgrading the app adds these indexes
        self.indexes = dataset_indexes(form, reports)
        self.reads = {name: _tables_read(form, ds) for name, ds in reports.datasets.items()} if reports else {}
        read = frozenset().union(*self.reads.values())
        # a write to a table a chart reads (or to a ledger whose account table one reads: its balances
        # change too) drops results after the commit; other writes cost nothing here
        self.drops = {}
        for name, t in form.tables.items():
            tables = [x for x in (name, t.ledger.account_table if t.ledger else None) if x in read]
            if tables:
                self.drops[name] = tables
        if self.drops:
            form.subscribers.add(self._on_event)

    def _on_event(self, event, writer) -> None:
        tables = self.drops.get(event.table)
        if tables:
            writer.after.on_commit(lambda: [self.cache.drop(t) for t in tables])

    @property
    def dashboards(self):
        return self.reports.dashboards if self.reports else {}

    def statement(self, chart, view: View):
        dataset = self.reports.datasets[chart.dataset]
        return CHART_TYPES[chart.type].statement(ChartQuery(self.form, dataset, chart, view))

    def rows(self, dashboard, chart, view: View) -> list[dict]:
        """The chart's result rows for `view`: from the cache, or from its one statement."""
        tables = self.reads[chart.dataset]
        key = (dashboard.name, chart.name, _key(view))
        found = self.cache.get(key)
        if found is not None:
            return found
        generation = self.cache.generation(tables)
        with self.form.engine.connect() as conn:
            rows = run(conn, self.statement(chart, view))
        self.cache.put(key, tables, rows, generation)
        return rows

    def rows_of(self, dashboard, jobs: list, workers: int = 4) -> dict:
        """{chart name: rows} for [(chart, view)]: the charts' statements run side by side, each on a
        connection of its own (the database scans; SQLite and psycopg let other threads run meanwhile)."""
        if len(jobs) < 2 or workers < 2:
            return {c.name: self.rows(dashboard, c, v) for c, v in jobs}
        with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            found = pool.map(lambda job: self.rows(dashboard, *job), jobs)
            return {c.name: rows for (c, _), rows in zip(jobs, found)}

    def figure(self, dashboard, chart, view: View, lang: str) -> dict:
        return self.figure_of(chart, self.rows(dashboard, chart, view), lang)

    def screen_figure(self, dashboard, chart, rows: dict, lang: str) -> dict:
        """The figure a page (engines/form/screens) shows: the dashboard's default range, over `rows`
        (table -> the condition of the rows the viewer may see)."""
        start, end = parse_range({}, dashboard.range, self.form.timezone)
        return self.figure(dashboard, chart, View(start=start, end=end, rows=rows), lang)

    def figure_of(self, chart, rows, lang: str) -> dict:
        dataset = self.reports.datasets[chart.dataset]
        return CHART_TYPES[chart.type].figure(rows, chart, dataset, lang)


def _key(view: View) -> str:
    rows = {t: _condition_key(c) for t, c in view.rows.items()}
    return json.dumps([str(view.start), str(view.end), sorted((k, list(v)) for k, v in view.filters.items()),
                       sorted(view.params.items()), rows], default=str)


def _tables_read(form, dataset) -> frozenset:
    """Every table a chart of `dataset` may read: its own, those its links reach, related tables."""
    out, todo = set(), [dataset.table]
    while todo:
        t = todo.pop()
        if t in out:
            continue
        out.add(t)
        todo += [f.table for f in form.tables[t].fields.values() if f.type == "link" and f.table in form.tables]
    return frozenset(out | {r.table for r in dataset.related.values()})


def _condition_key(condition) -> str | None:
    """A row condition as text with its values: viewers with the same filter share results."""
    if condition is None:
        return None
    compiled = condition.compile()
    return f"{compiled} {sorted((k, repr(v)) for k, v in compiled.params.items())}"
