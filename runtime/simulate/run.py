"""One simulation, end to end: copy the live database into a scratch file, rewind the copy to the
period's end (the world as it was) and measure it, note the period's triggering events, rewind it to
the period's start, install the new definition on it, replay the events, measure again, compare.
The live database is only read (by the copy); the scratch file is deleted afterwards."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from builder import compile_files
from runtime import lifecycle
from runtime.database import shown_url
from runtime.scheduler.registry import collect_jobs
from runtime.simulate.errors import SimulationError
from runtime.simulate.history import collect
from runtime.simulate.measure import ledger_of, measure
from runtime.simulate.replay import Replay
from runtime.simulate.report import compare
from runtime.simulate.rewind import rewind
from runtime.simulate.scratch import copy_live


def simulate(live_url: str, live_files, app_name: str, definition: str, first: dt.date, last: dt.date, *,
             point_value: Decimal = Decimal("0.01"), tier_field: str | None = "tier", ledger: str | None = None,
             media_dir: str = "var/media", **options) -> dict:
    """The report of replaying [first, last] (whole days in the app's zone) through `definition`.
    `options`: those of simulate_apps after `media_dir`."""
    live_app = _one(compile_files(list(live_files)), app_name, "the live definitions")
    new_app = _one(compile_files([definition]), app_name, definition)
    return simulate_apps(live_url, live_app, new_app, first, last, point_value=point_value, tier_field=tier_field,
                         ledger=ledger, media_dir=media_dir, **options)


def simulate_apps(live_url: str, live_app, new_app, first: dt.date, last: dt.date, *,
                  point_value: Decimal = Decimal("0.01"), tier_field: str | None = "tier", ledger: str | None = None,
                  media_dir: str = "var/media", progress=None, quick: bool = True, keep: str | None = None) -> dict:
    """`simulate` with compiled definitions: the live one (its tables as the database has them) and
    the new one, for the same app. `progress(done, total)` is told how far the replay is, at its start
    and every thousand events. `quick=False`: every event through the record service (the quick
    replay of updates is held to it by the tests). `keep`: a path to copy the replayed scratch file to."""
    from runtime.platform import Platform      # the platform imports every engine: only when run

    started = time.perf_counter()
    app_name = live_app.name
    if new_app.name != app_name:
        raise SimulationError(f"the new definition is for app '{new_app.name}', not '{app_name}'")
    if last < first:
        raise SimulationError(f"--to ({last}) is before --from ({first})")
    zone = ZoneInfo(live_app.timezone)
    try:
        start, end = _utc_midnight(first, zone), _utc_midnight(last + dt.timedelta(days=1), zone)
    except OverflowError:
        raise SimulationError(f"the period {first} to {last} reaches past the dates a clock can hold "
                              "(the years 1 to 9999): give days of the recorded history") from None
    for app in (live_app, new_app):
        if ledger is not None and ledger_of(app, ledger) is None:
            names = ", ".join(t.name for t in app.tables.values() if t.ledger is not None) or "none"
            raise SimulationError(f"--ledger {ledger}: no ledger of that name in app '{app_name}' "
                                  f"(its ledgers: {names})")
    workdir = tempfile.mkdtemp(prefix="tessera-simulate-")
    scratch_url = f"sqlite:///{os.path.join(workdir, 'scratch.db')}"
    try:
        live = Platform(live_url, media_dir)
        try:
            live.add(live_app)
            copy_live(live.engine, live.metadata, os.path.join(workdir, "scratch.db"))
        except sa.exc.DBAPIError as exc:
            raise SimulationError(f"cannot read the live database {shown_url(live_url)}: {exc.orig}") from None
        finally:
            live.dispose()
        live_tier, new_tier = _tier_fields(live_app, new_app, ledger, tier_field)
        actual, events = _as_it_was(Platform(scratch_url, media_dir), live_app, start, end, ledger, live_tier)
        new = Platform(scratch_url, media_dir)
        _fast(new.engine)
        try:
            inst = new.add(new_app)
            try:
                new.create_missing()            # the new definition's tables and fields, on the scratch copy
            except lifecycle.LifecycleError as exc:
                raise SimulationError("\n".join([str(exc), *exc.lines])) from None
            replay = Replay(new, inst, collect_jobs(new), quick=quick)
            replay.run(new.engine, events, progress)
            with new.engine.connect() as conn:
                simulated = measure(new, inst.form, conn, start, end, ledger, new_tier)
            t = ledger_of(inst.form, ledger)
            accounts = t.ledger.account_table if t is not None else None
            if t is not None and t.fields[t.ledger.amount].type in ("money", "decimal"):
                point_value = Decimal(1)        # stored value (a card's balance) is owed as it stands
            report = compare(actual, simulated, lambda i: replay.scratch_id(accounts, i), point_value)
        finally:
            new.dispose()
        if keep is not None:
            shutil.copyfile(os.path.join(workdir, "scratch.db"), keep)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"app": app_name, "definition": new_app.source, "database": shown_url(live_url),
            "from": first.isoformat(), "to": last.isoformat(), "timezone": live_app.timezone,
            "ledger": t.name if t is not None else None, "point_value": str(point_value),
            "events": {**replay.counts, "refused": replay.refused_count, "refused_events": replay.refused,
                       **replay.quick_counts()},
            "seconds": round(time.perf_counter() - started, 2), **report}


def _as_it_was(platform, app, start, end, ledger, tier_field):
    """On the scratch copy with the live definition: rewind to `end`, measure, note the events of
    [start, end), rewind to `start`."""
    try:
        inst = platform.add(app)
        platform.prepare_system()           # a database from before the event journal gains it (scratch only)
        with platform.engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")   # rows come back in any order
            with conn.begin():
                rewind(platform, inst, conn, end)
                actual = measure(platform, inst.form, conn, start, end, ledger, tier_field)
                events = collect(platform, conn, app.name, start, end)
                rewind(platform, inst, conn, start, keep_imports=True)
        return actual, events
    finally:
        platform.dispose()


def _tier_fields(live_app, new_app, ledger, tier_field):
    """The tier field on each side: the new definition may have renamed it (`renamed_from`), and
    --tier-field may name it by either name."""
    live_t, new_t = ledger_of(live_app, ledger), ledger_of(new_app, ledger)
    if tier_field is None or live_t is None or new_t is None:
        return tier_field, tier_field
    live_fields = live_app.tables[live_t.ledger.account_table].fields
    new_fields = new_app.tables[new_t.ledger.account_table].fields if new_t.ledger.account_table in new_app.tables \
        else {}
    if tier_field in live_fields:
        return tier_field, next((f.name for f in new_fields.values() if f.renamed_from == tier_field), tier_field)
    new = new_fields.get(tier_field)
    return (new.renamed_from if new is not None and new.renamed_from else tier_field), tier_field


def _fast(engine) -> None:
    """The scratch file is thrown away after the run: no fsync, the rollback journal in memory (kept:
    a refused event rolls back its savepoint). Never done to a live database."""
    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA synchronous=OFF")
        dbapi_conn.execute("PRAGMA journal_mode=MEMORY")


def _one(apps, name, where):
    found = [a for a in apps if a.name == name]
    if not found:
        raise SimulationError(f"no app '{name}' in {where} (found: {', '.join(a.name for a in apps) or 'none'})")
    return found[0]


def _utc_midnight(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)
