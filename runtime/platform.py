"""The platform: one database, the installed apps and their engines, wired together."""
from __future__ import annotations

import os

import sqlalchemy as sa

from builder import compile_files
from builder.model import App
from engines.form.records import RecordService
from engines.form.runtime import FormApp
from engines.form.system import sequences_table
from engines.flow.runtime import FlowRuntime
from engines.flow.tables import flow_tables
from engines.form.transfer.jobs import import_tables
from engines.report.runtime import ReportRuntime
from engines.rules.event_journal import event_journal_table
from engines.rules.event_keys import event_keys_table
from engines.rules.held import held_table
from engines.rules.runlog import runs_table
from engines.rules.running import RulesRuntime
from runtime import lifecycle
from runtime.outbox.port import OutboxPort
from runtime.app_registry import AppRegistry, InstalledApp
from runtime.audit import AuditLog, define_audit_table
from runtime.auth.tables import define_auth_tables
from runtime.database import make_engine
from runtime.people import People
from runtime.migrate import apply_additive
from runtime.simulate.runs_table import simulations_table
from runtime.system_tables import define_system_tables

__all__ = ["InstalledApp", "Platform"]


class Platform:
    def __init__(self, database_url: str, media_dir: str = "var/media"):
        self.engine = make_engine(database_url)
        self.metadata = sa.MetaData()   # the system tables and the apps added at start (see build)
        self.system = define_system_tables(self.metadata)
        self.auth = define_auth_tables(self.metadata)   # accounts, roles, tokens, settings (runtime/auth)
        self.audit = AuditLog(define_audit_table(self.metadata), self.system["users"])
        self.sequences = sequences_table(self.metadata)
        self.rule_runs = runs_table(self.metadata)
        held_table(self.metadata)
        self.event_keys = event_keys_table(self.metadata)
        self.event_journal = event_journal_table(self.metadata)   # external events' payloads, for simulation
        import_tables(self.metadata)    # import jobs and their failed rows (engines/form/transfer)
        self.flow_tables = flow_tables(self.metadata)   # instances, tasks, decisions, delegations
        self.system["simulations"] = simulations_table(self.metadata)   # runs started from the browser
        self.system_tables = frozenset(self.metadata.tables)
        self.media_dir = os.path.abspath(media_dir)  # uploads must not depend on the working directory
        self.apps = AppRegistry()
        self.pending: list[str] = []   # what the database has and the definitions do not: kept, not applied
        self.skipped: list[str] = []   # apps given but not served (uninstalled), with why
        self.outbox_worker = None      # the delivery thread, when this process runs one (runtime/outbox/worker.py)

    @classmethod
    def from_files(cls, paths, database_url: str, media_dir: str = "var/media", create: bool = True) -> "Platform":
        platform = cls(database_url, media_dir)
        for app in compile_files(paths):
            platform.add(app)
        if create:
            platform.create_missing()
        return platform

    def build(self, app: App, fresh: bool = False) -> InstalledApp:
        """The run-time side of `app`, not yet served. `fresh`: its tables go on a MetaData of their
        own, so that a new version of a served app is built beside the old one, never mixed into it
        (requests still running keep the old tables)."""
        metadata = sa.MetaData() if fresh else self.metadata
        form = FormApp.build(app.name, app.sql_prefix, app.tables, metadata, self.engine,
                             app.timezone, self.media_dir, app.user_profile)
        self.audit.subscribe(form)  # first subscriber: it sees every write, whoever makes it
        form.extensions["rules"] = RulesRuntime(form, app.rules, self.rule_runs)
        form.extensions["outbox"] = OutboxPort(self)       # the rules' notify and webhook actions
        form.extensions["reports"] = ReportRuntime(form, app.reports)   # dashboards and their results cache
        form.extensions["people"] = People(self)           # who holds a role: the flows' assignees
        form.extensions["flows"] = FlowRuntime(form, app, self.flow_tables)   # after the rules: it sees their writes
        return InstalledApp(app=app, form=form, records=RecordService(form), metadata=metadata)

    def add(self, app: App) -> InstalledApp:
        installed = self.build(app)
        self.apps.put(installed)
        return installed

    def remove(self, inst: InstalledApp) -> None:
        """Stop serving `inst`, and forget its tables (not the database's) so it can be added again."""
        self.apps.remove(inst.app.name)
        if inst.metadata is self.metadata:
            for name in inst.table_names:
                self.metadata.remove(self.metadata.tables[name])

    def prepare_system(self) -> None:
        """Create or extend the platform's own tables (tessera_*): additions only."""
        apply_additive(self.engine, self.metadata, self.system_tables)

    def create_missing(self) -> None:
        """Install the apps that are new and upgrade the others as far as that is safe (additions,
        hinted renames). Raises lifecycle.LifecycleError, listing every refused app, when a definition
        would remove or convert data: that takes `tessera upgrade --allow-destructive`."""
        self.prepare_system()
        refused = []
        for inst in list(self.apps.values()):
            try:
                done = lifecycle.sync(self, inst)
            except lifecycle.NotInstalled as exc:
                self.remove(inst)
                self.skipped.append(str(exc))
                continue
            except lifecycle.LifecycleError as exc:
                refused.append(exc)
                continue
            self.pending += [line for line, s in zip(done.lines(), done.steps) if s.kind in ("leftover", "kept")]
        if refused:
            raise lifecycle.LifecycleError("\n".join(str(e) for e in refused),
                                           [line for e in refused for line in e.lines])

    def record_versions(self) -> None:
        """Note each served app's version, definition hash and snapshot in tessera_apps, as they are."""
        for inst in self.apps.values():
            lifecycle.record(self, inst)

    def drop_all(self) -> None:
        for inst in self.apps.values():
            if inst.metadata is not self.metadata:
                inst.metadata.drop_all(self.engine)
        self.metadata.drop_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
