"""One request's view of a screen: who is looking, in which language, the page's record, and the read
paths components use (the list query and the record service, always with the person's Access)."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import render_template, url_for
from markupsafe import Markup

from engines.form import page_views as pv
from engines.form.query import ListRequest, run_list
from engines.form.reading import resolve_links


@dataclass
class ScreenView:
    inst: object
    screen: object
    access: object
    lang: str
    query: str = ""                    # what the search box was given (?q=)
    record: dict | None = None         # the page's record, as the person may see it
    forms: dict = field(default_factory=dict)   # component index -> {kept, errors, problem} after a refused post
    current: object = None             # the Component being drawn or posted to

    @property
    def form(self):
        return self.inst.form

    @property
    def app_name(self) -> str:
        return self.inst.form.name

    def url(self, query: str | None = None) -> str:
        """This page, still showing the record it found (the search is kept in the address)."""
        base = url_for("screens.page", app_name=self.app_name, name=self.screen.name)
        q = self.query if query is None else query
        return f"{base}?{urlencode({'q': q})}" if q else base

    def records(self, table: str, filters=(), limit: int = 20, sort: str = "-id", row_filter=None) -> tuple[list, int]:
        """(records, total) of `table` the person may read, matching `filters` [(field, op, value)]
        and `row_filter` (a RowFilter, for this person's `user`), with their links' titles resolved."""
        t = self.form.tables[table]
        condition = row_filter.condition(self.form, self.access.user()) if row_filter is not None else None
        with self.form.engine.connect() as conn:
            page = run_list(self.form, conn, t, ListRequest(filters=list(filters), limit=limit, sort=sort),
                            access=self.access, condition=condition)
            resolve_links(self.form, conn, t, page.records, self.access)
        return page.records, page.total

    def one(self, table: str, filters) -> dict | None:
        found, _total = self.records(table, filters, limit=1)
        return found[0] if found else None

    def visible(self, table: str, names) -> list[str]:
        hidden = self.access.hidden(table)
        return [n for n in names if n not in hidden]

    def cell(self, table: str, name: str, record: dict) -> dict:
        f = self.form.tables[table].fields[name]
        return pv.cell(self.form, self.app_name, f, record.get(name), self.lang)

    def pairs(self, table: str, names, record: dict) -> list[dict]:
        """{label, cell} of each field of `record` among `names` the person may see."""
        return [{"label": self.label(table, n), "cell": self.cell(table, n, record)} for n in self.visible(table, names)]

    def heading(self, label, table: str | None = None) -> str:
        """A component's `label:` in this language, else the table's label (or nothing)."""
        if label is not None:
            return label.get(self.lang)
        return self.form.tables[table].label.get(self.lang) if table else ""

    def label(self, table: str, name: str) -> str:
        return self.form.tables[table].fields[name].label.get(self.lang)

    def title(self, table: str, record: dict) -> str:
        return pv.record_title(self.form, self.form.tables[table], record, self.lang)

    def render(self, key: str, **values) -> Markup:
        return Markup(render_template(f"tessera/screens/{key}.html", view=self, **values))
