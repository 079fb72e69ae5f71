"""The apps a platform serves, replaceable one at a time while requests are running (hot reload)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from builder.model import App
from engines.form.records import RecordService
from engines.form.runtime import FormApp


@dataclass
class InstalledApp:
    app: App
    form: FormApp
    records: RecordService
    metadata: sa.MetaData   # holds its tables; a new version gets a fresh one, never mixed into the old

    @property
    def table_names(self) -> list[str]:
        """The SQL tables of this app: one per definition table, one per multi_link field, one per ledger."""
        sql = self.form.sql
        return [t.name for t in (*sql.tables.values(), *sql.joins.values(), *sql.lots.values())]


class AppRegistry(Mapping):
    """name -> InstalledApp. Every change publishes a new dict in one assignment (copy on write):
    a request that looked an app up keeps the version it found, and a loop over the apps never
    sees the mapping change under it."""

    def __init__(self):
        self._apps: dict[str, InstalledApp] = {}

    def __getitem__(self, name: str) -> InstalledApp:
        return self._apps[name]

    def __iter__(self):
        return iter(self._apps)

    def __len__(self) -> int:
        return len(self._apps)

    def items(self):
        return self._apps.items()

    def values(self):
        return self._apps.values()

    def put(self, installed: InstalledApp) -> None:
        self._apps = {**self._apps, installed.app.name: installed}

    def remove(self, name: str) -> None:
        self._apps = {k: v for k, v in self._apps.items() if k != name}
