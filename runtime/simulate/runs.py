"""Simulations started from the browser run in a thread of the server process, not in the request:
a year of a shop's history takes longer than a browser or a proxy waits. The run's progress (events
replayed of all) and then its report or error are kept in `tessera_simulations`; the page polls it.
A run whose process went away (a restart) is not heard of again: after STALE it shows as stopped."""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading

import sqlalchemy as sa

from runtime.simulate.errors import SimulationError

STALE = dt.timedelta(minutes=5)
log = logging.getLogger("tessera.simulate")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class SimulationRuns:
    def __init__(self, platform):
        self.platform, self.table = platform, platform.system["simulations"]

    def start(self, live_app, new_app, first: dt.date, last: dt.date, point_value, definition: str,
              user_id: int | None) -> int:
        now = _now()
        with self.platform.engine.begin() as conn:
            run_id = conn.execute(self.table.insert().values(
                app=live_app.name, definition=definition[:255], first_day=first, last_day=last, status="running",
                started_by=user_id, started_at=now, heartbeat_at=now, events_done=0)).inserted_primary_key[0]
        threading.Thread(target=self._run, name=f"tessera-simulation-{run_id}", daemon=True,
                         args=(run_id, live_app, new_app, first, last, point_value, definition)).start()
        return run_id

    def get(self, run_id: int, app: str) -> dict | None:
        with self.platform.engine.connect() as conn:
            row = conn.execute(sa.select(self.table).where(self.table.c.id == run_id, self.table.c.app == app)
                               ).mappings().first()
        if row is None:
            return None
        run = dict(row)
        if run["status"] == "running" and _now() - run["heartbeat_at"] > STALE:
            run["status"] = "stopped"
        run["report"] = json.loads(run["report"]) if run["report"] else None
        return run

    def _run(self, run_id, live_app, new_app, first, last, point_value, definition) -> None:
        from runtime.simulate.run import simulate_apps     # the whole machinery, only when a run starts

        def progress(done: int, total: int) -> None:
            self._set(run_id, events_done=done, events_total=total, heartbeat_at=_now())

        url = self.platform.engine.url.render_as_string(hide_password=False)
        try:
            report = simulate_apps(url, live_app, new_app, first, last, point_value=point_value,
                                   media_dir=self.platform.media_dir, progress=progress)
        except SimulationError as exc:
            self._set(run_id, status="failed", error=str(exc), finished_at=_now())
            return
        except Exception as exc:        # noqa: BLE001 - the thread's last word: kept for the page, logged
            log.exception("simulation %s stopped", run_id)
            self._set(run_id, status="failed", error=f"the simulation stopped: {type(exc).__name__}: {exc}",
                      finished_at=_now())
            return
        report["definition"] = definition        # the sent file, not the temporary copy compiled
        self._set(run_id, status="done", report=json.dumps(report, ensure_ascii=False), finished_at=_now(),
                  heartbeat_at=_now())

    def _set(self, run_id, **values) -> None:
        with self.platform.engine.begin() as conn:
            conn.execute(self.table.update().where(self.table.c.id == run_id).values(**values))
