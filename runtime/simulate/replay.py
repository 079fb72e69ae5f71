"""Replaying the period's events through the new definition on the scratch copy, each at its own
time (engines/common/clock.py), each in its own unit of work through the record service as it was
live: a write the new rules refuse is noted with its error and the replay goes on.

Each event's unit of work is a savepoint of a batch transaction committed every BATCH events (the
scratch file is thrown away: one commit per event would be most of the cost of a simple event). A
refused event rolls back its savepoint only. A scheduled firing runs its job's own units of work, so
the batch is committed before it. A recorded update goes to the quick replay first (quick/)."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from engines.common import clock
from engines.form.errors import RecordError
from engines.form.ledger.definition import balance_fields
from engines.form.unit import UnitState
from engines.rules import event_journal, event_keys
from engines.rules.running import RunContext, run
from runtime.simulate.history import stream
from runtime.simulate.imported import restore
from runtime.simulate.quick.errors import Deopt
from runtime.simulate.quick.replay import QuickReplay

MAX_NOTED = 200      # refused events kept in the report (all are counted)
BATCH = 1000         # events per commit


class Replay:
    def __init__(self, platform, inst, jobs, quick: bool = True):
        self.platform, self.inst, self.jobs, self.use_quick = platform, inst, jobs, quick
        self.form, self.records = inst.form, inst.records
        self.rules = inst.form.extensions["rules"]
        self.balances = {(table, field) for table, field in balance_fields(self.form.tables)}
        # the history names the live definition's tables and fields: those the new one renamed, by their new names
        self.renamed = {t.renamed_from: t.name for t in self.form.tables.values() if t.renamed_from}
        self.renamed_fields = {t.name: {f.renamed_from: f.name for f in t.fields.values() if f.renamed_from}
                               for t in self.form.tables.values()}
        self.ids: dict[str, dict[int, int]] = {}     # table -> live id -> scratch id, where they differ
        self.counts = {"write": 0, "press": 0, "event": 0, "firing": 0, "skipped": 0, "refused_as_live": 0}
        self.refused: list[dict] = []
        self.refused_count = 0
        self.conn = None                             # the batch's connection, while `run` goes
        self.batch = UnitState()                     # the batch's run-log rows, inserted at its commit
        self.quick = None                            # QuickReplay of updates, on SQLite (the scratch copy)

    def run(self, engine, events_table, progress=None) -> None:
        """Replay the events of `events_table` (runtime/simulate/history.py) in their order;
        `progress(done, total)` at the start and at each commit."""
        with clock.stepped() as step, engine.execution_options(tessera_write=True).connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(events_table)).scalar_one()
            self.conn, seen = conn, 0           # the batch transaction begins with its first statement
            if self.use_quick and conn.dialect.name == "sqlite":
                self.quick = QuickReplay(self.form, self.rules, conn, self.batch)
            self._commit()
            if progress is not None:
                progress(0, total)
            for chunk in stream(conn, events_table, BATCH):
                if seen:
                    self._commit()
                    if progress is not None:
                        progress(seen, total)
                if self.quick is not None:      # the records the chunk's updates write, in one read
                    self.quick.prefetch(self._updated(chunk))
                for ev in chunk:
                    step(ev["at"])
                    seen += 1
                    if ev["kind"] == "firing":
                        self._commit()          # a firing's job opens its own units of work
                    self._one(ev)
            self._commit()
            if progress is not None:
                progress(seen, total)

    def _one(self, ev) -> None:
        if not (ev["kind"] == "write" and ev["action"] in ("update", "create")):
            self._settle()              # the record service reads the scratch copy next
        try:
            done = getattr(self, f"_{ev['kind']}")(ev)
        except RecordError as exc:
            if ev["kind"] == "press" and ev["action"] in ("refused", "failed"):
                self.counts["refused_as_live"] += 1      # a second check-in the same day, again
            else:
                self._refuse(ev, exc.message.en)
            return
        self.counts[ev["kind"] if done else "skipped"] += 1

    def _updated(self, chunk) -> dict:
        """table -> scratch ids of the records the chunk's recorded updates write."""
        found: dict = {}
        for ev in chunk:
            if ev["kind"] == "write" and ev["action"] == "update":
                table = self.renamed.get(ev["tbl"], ev["tbl"])
                if table in self.form.tables:
                    found.setdefault(table, []).append(self.scratch_id(table, ev["record_id"]))
        return found

    def quick_counts(self) -> dict:
        """How many updates the quick replay made, and why the others went to the record service."""
        if self.quick is None:
            return {"quick": 0, "quick_handed_over": {}}
        return {"quick": self.quick.done, "quick_handed_over": dict(self.quick.deopts.most_common(10))}

    def scratch_id(self, table: str, live_id):
        return self.ids.get(table, {}).get(live_id, live_id)

    # -- the kinds of event ------------------------------------------------------------------
    def _write(self, ev) -> bool:
        table, action = self.renamed.get(ev["tbl"], ev["tbl"]), ev["action"]
        t = self.form.tables.get(table)
        if t is None:
            return False                                   # a table the new definition does not have
        if action == "import":      # the bulk path's chunk, rules off: its records as imported
            restore(self.form, self.conn, table, ev["tbl"], ev["ref"])
            return True
        values = self._values(t, json.loads(ev["data"]))
        if action == "create":
            made = self._quick_create(table, values, ev)
            if made is None:
                with self._unit(ev) as w:
                    made = w.create(table, values)
            if made["id"] != ev["record_id"]:
                self.ids.setdefault(table, {})[ev["record_id"]] = made["id"]
            return True
        rid = self.scratch_id(table, ev["record_id"])
        if action != "delete" and not values:   # only a balance moved: the ledger's doing, replayed with it
            return False
        if action == "update" and self.quick is not None:
            try:
                self.quick.update(table, rid, values, ev["actor"], ev["source"])
                return True
            except Deopt:
                self._settle()
        with self._unit(ev) as w:
            w.delete(table, rid) if action == "delete" else w.update(table, rid, values)
        return True

    def _quick_create(self, table, values, ev):
        if self.quick is None:
            return None
        try:
            return self.quick.create(table, values, ev["actor"], ev["source"])
        except Deopt:
            self._settle()
            return None

    def _press(self, ev) -> bool:
        rule = next((r for r in self.rules.rules if r.name == ev["name"] and r.trigger.kind == "action"
                     and r.enabled), None)
        if rule is None or rule.trigger.table not in self.form.tables:
            return False
        table = rule.trigger.table
        with self._unit(ev) as w:
            record = w.get(table, self.scratch_id(table, ev["record_id"]))
            run(rule, RunContext(rule, w.child(), table, record), self.rules.log_table, ev["source"])
        return True

    def _event(self, ev) -> bool:
        rule = self.rules.named("event", ev["name"])
        if rule is None or not rule.enabled:
            return False
        payload = json.loads(ev["data"])
        with self.records.savepoint_of(self.conn, ev["actor"], "api", audited=False, batch=self.batch) as w:
            if not event_keys.claim(w.conn, self.platform.event_keys, self.form.name, ev["name"], ev["action"]):
                return False
            event_journal.record(w.conn, self.platform.event_journal, self.form.name, ev["name"], ev["action"],
                                 payload, ev["actor"])
            run(rule, RunContext(rule, w.child(), None, None, event=payload), self.rules.log_table, "api")
        return True

    def _firing(self, ev) -> bool:
        job = self.jobs.get(ev["name"])
        if job is None:
            return False                                   # a scheduled rule the new definition dropped
        fire_time = dt.datetime.fromisoformat(ev["data"].replace("Z", "+00:00"))
        job.run(self.platform, fire_time if fire_time.tzinfo else fire_time.replace(tzinfo=dt.timezone.utc))
        return True

    # -- helpers -----------------------------------------------------------------------------
    def _unit(self, ev):
        # no audit entries: the report never reads the scratch copy's audit log
        return self.records.savepoint_of(self.conn, ev["actor"], ev["source"], audited=False, batch=self.batch)

    def _settle(self, forget: bool = True) -> None:
        """The quick replay's rows written to the scratch copy, before the record service reads it
        (and writes: `forget` what the quick replay read) or the batch commits."""
        if self.quick is not None:
            self.quick.flush(forget)

    def _commit(self) -> None:
        """The quick replay's rows and the batch's buffered ones (rules' run log), then the commit."""
        self._settle(forget=False)
        self.batch.flush(self.conn, self.form.statements)
        self.conn.commit()

    def _values(self, t, changes: dict) -> dict:
        """What the person wrote: the after-values of the fields one can write (not computed ones,
        not a ledger's balance), links pointed at the scratch copy's records."""
        values = {}
        renamed = self.renamed_fields[t.name]
        for name, (_before, after) in changes.items():
            name = renamed.get(name, name)
            f = t.fields.get(name)
            if f is None or (t.name, name) in self.balances:
                continue
            ftype = self.form.ftype(f)
            if not ftype.stored and not ftype.join_table or ftype.computed or f.type == "formula":
                continue
            if f.type == "link" and after is not None:
                after = self.scratch_id(f.table, after)
            elif f.type == "multi_link" and after:
                after = [self.scratch_id(f.table, i) for i in after]
            values[name] = after
        return values

    def _refuse(self, ev, error: str) -> None:
        self.refused_count += 1
        if len(self.refused) < MAX_NOTED:
            self.refused.append({"at": _iso(ev["at"]), "kind": ev["kind"], "table": ev["tbl"],
                                 "record_id": ev["record_id"],
                                 "action": ev["name"] if ev["kind"] == "press" else ev["action"] or ev["name"],
                                 "error": error})


def _iso(moment) -> str:
    return moment.replace(tzinfo=dt.timezone.utc).isoformat()
