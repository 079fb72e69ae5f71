"""The platform: one database, the installed apps and their engines, wired together."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import sqlalchemy as sa

from builder import compile_files
from builder.model import App
from engines.form.records import RecordService
from engines.form.runtime import FormApp
from runtime.audit import AuditLog, define_audit_table
from runtime.auth.tables import define_auth_tables
from runtime.database import make_engine, write_transaction
from runtime.migrate import apply_additive
from runtime.system_tables import define_system_tables


@dataclass
class InstalledApp:
    app: App
    form: FormApp
    records: RecordService


class Platform:
    def __init__(self, database_url: str, media_dir: str = "var/media"):
        self.engine = make_engine(database_url)
        self.metadata = sa.MetaData()
        self.system = define_system_tables(self.metadata)
        self.auth = define_auth_tables(self.metadata)   # accounts, roles, tokens, settings (runtime/auth)
        self.audit = AuditLog(define_audit_table(self.metadata), self.system["users"])
        self.media_dir = os.path.abspath(media_dir)  # uploads must not depend on the working directory
        self.apps: dict[str, InstalledApp] = {}
        self.pending: list[str] = []   # destructive differences found by create_missing, not applied

    @classmethod
    def from_files(cls, paths, database_url: str, media_dir: str = "var/media", create: bool = True) -> "Platform":
        platform = cls(database_url, media_dir)
        for app in compile_files(paths):
            platform.add(app)
        if create:
            platform.create_missing()
        return platform

    def add(self, app: App) -> InstalledApp:
        form = FormApp.build(app.name, app.sql_prefix, app.tables, self.metadata, self.engine,
                             app.timezone, self.media_dir)
        self.audit.subscribe(form)  # first subscriber: it sees every write, whoever makes it
        installed = InstalledApp(app=app, form=form, records=RecordService(form))
        self.apps[app.name] = installed
        return installed

    def create_missing(self) -> None:
        """Create the tables, columns and indexes that do not exist yet (`pending` lists the changes
        that would remove or alter something: those are not applied) and record each app's version and hash."""
        self.pending = apply_additive(self.engine, self.metadata).destructive
        self.record_versions()

    def record_versions(self) -> None:
        """Note each installed app's version and definition hash in tessera_apps."""
        apps = self.system["apps"]
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        with write_transaction(self.engine) as conn:
            for inst in self.apps.values():
                a = inst.app
                values = dict(version=a.version, definition_hash=a.definition_hash, source=a.source, updated_at=now)
                if conn.execute(apps.update().where(apps.c.name == a.name).values(**values)).rowcount == 0:
                    conn.execute(apps.insert().values(name=a.name, installed_at=now, **values))

    def drop_all(self) -> None:
        self.metadata.drop_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
