"""The compiled App: the only thing engines and the runtime read. Immutable."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from engines.common.labels import Label
from engines.form.model import Table


@dataclass(frozen=True)
class App:
    name: str
    title: Label
    description: Label | None
    version: str
    timezone: str
    roles: tuple[str, ...]
    tables: Mapping[str, Table]
    source: str                # the root definition file
    files: tuple[str, ...]     # root and included files
    definition_hash: str       # sha256 of the files' bytes, in include order
    user_profile: str | None = None   # the table whose record describes the signed-in user (`user.` in filters)
    registration: Any = None          # engines.form.registration.Registration: self sign-up, when offered
    rules: tuple = ()                 # engines.rules.model.Rule, highest priority first
    reports: Any = None               # engines.report.model.Reports: datasets and dashboards
    flows: Mapping = field(default_factory=lambda: MappingProxyType({}))   # engines.flow.model.Flow by name (compiled; no runtime yet)
    pages: Mapping = field(default_factory=lambda: MappingProxyType({}))   # engines.form.screens.model.Screen by name

    @property
    def sql_prefix(self) -> str:
        return self.name.replace("-", "_")
