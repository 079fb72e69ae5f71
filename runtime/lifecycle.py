"""Install, upgrade and uninstall apps: their row in tessera_apps and the schema changes behind it.

An app is installed when tessera_apps has its row (version, definition hash, snapshot of its tables)
without `uninstalled_at`. `tessera run` and every server start install the apps they are given and
upgrade them as far as that is safe (additions, hinted renames); anything that would lose or
convert data is refused until `tessera upgrade --allow-destructive` applies it. Uninstalling keeps
the data (and the snapshot) until `--purge`; an uninstalled app is not served until installed again.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from runtime.app_registry import InstalledApp
from runtime.convert import ConversionFailed
from runtime.database import BrokenLinks, migration_transaction
from runtime.migrate import ADDITIVE, add_missing, compare
from runtime.snapshot import dumps, loads, snapshot_of, sql_tables
from runtime.upgrade import ConflictAfterConversion, Plan, apply, make_plan


class LifecycleError(Exception):
    """A refused install, upgrade or uninstall: nothing was changed. `lines` explain it."""

    def __init__(self, message: str, lines=()):
        super().__init__(message)
        self.lines = list(lines)


class NotInstalled(LifecycleError):
    pass


class Refused(LifecycleError):
    def __init__(self, plan: Plan, source: str):
        n = len(plan.needing_consent())
        super().__init__(f"app '{plan.app}' was not upgraded: {n} change(s) would remove or convert data; "
                         f"nothing was changed. Apply them with `tessera upgrade {source} --allow-destructive`, "
                         "or give a renamed field or table `renamed_from: <old name>`",
                         plan.lines())
        self.plan = plan


def plan(platform, inst: InstalledApp) -> Plan:
    """What installing or upgrading `inst` would change; changes nothing (the system tables a new
    database lacks are made for the look, in a transaction rolled back)."""
    with platform.engine.connect() as conn:
        look = conn.begin()
        try:
            system = platform.system_tables
            add_missing(conn, platform.metadata, [d for d in compare(conn, platform.metadata, system)
                                                  if d[0] in ADDITIVE], system)
            row = _row(conn, platform, inst.app.name)
            return make_plan(conn, inst, loads(row.snapshot) if row is not None else None)
        finally:
            look.rollback()


def install(platform, inst: InstalledApp, allow_destructive: bool = False) -> Plan:
    """Install a new app, or bring back an uninstalled one onto the data it kept."""
    def check(row):
        if row is not None and row.uninstalled_at is None:
            raise LifecycleError(f"app '{inst.app.name}' is already installed (version {row.version}); "
                                 "use `tessera upgrade FILE`")
    return _migrate(platform, inst, allow_destructive, check)


def upgrade(platform, inst: InstalledApp, allow_destructive: bool = False) -> Plan:
    """Move an installed app to `inst`'s definition; what loses or converts data needs `allow_destructive`."""
    def check(row):
        if row is None or row.uninstalled_at is not None:
            state = "is not installed" if row is None else "was uninstalled (its data is kept)"
            raise NotInstalled(f"app '{inst.app.name}' {state}; use `tessera install FILE`")
    return _migrate(platform, inst, allow_destructive, check)


def sync(platform, inst: InstalledApp) -> Plan:
    """What a server start does: install if new, upgrade safely if installed, refuse if uninstalled."""
    def check(row):
        if row is not None and row.uninstalled_at is not None:
            raise NotInstalled(f"app '{inst.app.name}' was uninstalled (its data is kept) and is not served; "
                               f"`tessera install {inst.app.source}` brings it back")
    return _migrate(platform, inst, False, check)


def uninstall(platform, name: str, purge: bool = False) -> list[str]:
    """Stop serving `name`, keeping its data; with `purge`, drop its tables (returned) and its rows
    elsewhere (numbering counters, role grants, API tokens). The audit log keeps its entries."""
    with migration_transaction(platform.engine) as conn:
        row = _row(conn, platform, name)
        if row is None:
            known = [r.name for r in conn.execute(sa.select(platform.system["apps"].c.name))]
            raise LifecycleError(f"no app '{name}' is installed (installed: {', '.join(known) or 'none'})")
        apps = platform.system["apps"]
        if not purge:
            if row.uninstalled_at is not None:
                raise LifecycleError(f"app '{name}' is already uninstalled; its data is kept (--purge drops it)")
            conn.execute(apps.update().where(apps.c.name == name).values(uninstalled_at=_now()))
            return []
        snapshot = loads(row.snapshot)
        if snapshot is None:
            raise LifecycleError(f"app '{name}' was installed by an older Tessera that did not note its tables; "
                                 "run `tessera upgrade FILE` once, then purge it")
        existing = set(sa.inspect(conn).get_table_names())
        owned = sql_tables(snapshot)
        dropped = [t for t in [f"{t}__lots" for t in owned] + owned if t in existing]   # a ledger's lots first
        ops = Operations(MigrationContext.configure(conn))
        for table in dropped:
            ops.drop_table(table)
        for table in (platform.sequences, platform.auth["user_roles"], platform.auth["tokens"]):
            conn.execute(table.delete().where(table.c.app == name))
        conn.execute(apps.delete().where(apps.c.name == name))
        return dropped


def record(platform, inst: InstalledApp) -> None:
    """Note `inst` as installed, as it is, without changing any table (a restore loaded its tables)."""
    with migration_transaction(platform.engine) as conn:
        _record(conn, platform.system["apps"], inst, _row(conn, platform, inst.app.name))


def installed_hashes(platform) -> dict[str, str]:
    """name -> definition hash of every installed app: what a running server compares with its own."""
    apps = platform.system["apps"]
    with platform.engine.connect() as conn:
        return dict(conn.execute(sa.select(apps.c.name, apps.c.definition_hash)
                                 .where(apps.c.uninstalled_at.is_(None))).all())


def installed_rows(platform) -> dict:
    """name -> tessera_apps row, for every app the database knows (uninstalled ones too)."""
    with platform.engine.connect() as conn:
        return {r.name: r for r in conn.execute(sa.select(platform.system["apps"]).order_by("name"))}


def _migrate(platform, inst: InstalledApp, allow_destructive: bool, check) -> Plan:
    try:
        with migration_transaction(platform.engine) as conn:
            row = _row(conn, platform, inst.app.name)
            check(row)
            result = make_plan(conn, inst, loads(row.snapshot) if row is not None else None)
            if result.needing_consent() and not allow_destructive:
                raise Refused(result, inst.app.source)
            apply(conn, inst, result, allow_destructive)
            _record(conn, platform.system["apps"], inst, row)
            return result
    except (ConversionFailed, ConflictAfterConversion, BrokenLinks) as exc:
        raise LifecycleError(f"app '{inst.app.name}' was not upgraded: {exc}") from None
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise LifecycleError(f"app '{inst.app.name}' was not upgraded: the database refused a change "
                             f"({reason}); nothing was changed") from None


def _row(conn, platform, name: str):
    apps = platform.system["apps"]
    return conn.execute(sa.select(apps).where(apps.c.name == name)).first()


def _record(conn, apps: sa.Table, inst: InstalledApp, row) -> None:
    app = inst.app
    values = dict(version=app.version, definition_hash=app.definition_hash, source=app.source,
                  snapshot=dumps(snapshot_of(app)), uninstalled_at=None)
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return                                     # already recorded (another worker got here first)
    if row is None:
        conn.execute(apps.insert().values(name=app.name, installed_at=_now(), updated_at=_now(), **values))
    else:
        conn.execute(apps.update().where(apps.c.name == app.name).values(updated_at=_now(), **values))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
