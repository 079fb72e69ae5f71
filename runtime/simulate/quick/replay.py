"""The quick replay of a recorded update: the write and the rules it sets off, on rows held in
memory (overlay.py) and written a batch at a time, instead of statement by statement through the
record service. Same validation, same rules, same results (tests/test_simulate_quick.py holds it
to the record service on whole histories); what it cannot do the same way is a Deopt: the event is
undone in memory, what came before is flushed, and the record service replays it."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from engines.expr.context import EvalContext
from engines.expr.data import DATA_FUNCTIONS
from engines.expr.records import RecordCache
from engines.form.errors import RecordError
from engines.report.runtime import ReportRuntime
from runtime.audit import AuditLog
from runtime.simulate.quick.errors import Deopt
from runtime.simulate.quick.overlay import Overlay
from runtime.simulate.quick.writer import QuickWriter

_ELSEWHERE = frozenset({*DATA_FUNCTIONS, "random_choice"})   # read the database, or draw at random
_UNSUPPORTED = object()
SET_ASIDE = 500     # events of a kind mostly handed over that go straight to the record service


class QuickReplay:
    def __init__(self, form, rules, conn, batch):
        """`rules`: the app's RulesRuntime; `batch`: the replay's UnitState (run-log rows go there, in
        the order the record service would have buffered them)."""
        self.form, self.rules, self.conn, self.batch = form, rules, conn, batch
        self.overlay = Overlay(form, conn)
        evaluation = EvalContext(form=form, connection=conn, rows=self.rows, computed=self.computed)
        evaluation.functions = {**evaluation.functions, **{n: _refuse(n) for n in _ELSEWHERE}}
        evaluation.cache = _LinkTargets(evaluation, self.overlay)
        self.unit = SimpleNamespace(evaluation=evaluation, run_rules=True)   # what RunContext reads
        self.logs: list[dict] = []
        self.done = 0
        self.deopts: Counter = Counter()
        self._subscribed: dict = {}
        self._tried: dict = {}
        self._tables: dict = {}

    def update(self, table: str, record_id, values: dict, actor, source: str) -> None:
        """Replay one recorded update; Deopt (nothing changed) when the record service must."""
        self._event(("update", table), lambda w: w.update(table, record_id, values), actor, source)

    def create(self, table: str, values: dict, actor, source: str) -> dict:
        """Replay one recorded create: the new record, or Deopt (nothing changed)."""
        return self._event(("create", table), lambda w: w.create(table, values), actor, source)

    def _event(self, kind, write, actor, source: str):
        if not self._worth(kind):
            raise Deopt("set aside")
        self.overlay.begin_event()
        self.logs = []
        try:
            record = write(QuickWriter(self, actor, source))
        except (Deopt, RecordError) as exc:
            self.overlay.undo_event()
            self.deopts[str(exc) if isinstance(exc, Deopt) else "a refusal"] += 1
            self._tried[kind][1] += 1
            raise Deopt(str(exc)) from None
        for row in self.logs:
            self.batch.defer_insert(self.rules.log_table, row)
        self.done += 1
        self._tried[kind][0] += 1
        return record

    def _worth(self, kind) -> bool:
        """Whether to try this kind of event (an update of orders, say) here: not while most of the
        last ones were handed over (each costs a flush and the rows held), for the next SET_ASIDE
        of its events; the outcome is the same either way, only the time differs."""
        tried = self._tried.setdefault(kind, [0, 0, 0])     # went quick, handed over, events to set aside
        if tried[2]:
            tried[2] -= 1
            return False
        if tried[1] >= 20 and tried[1] > 2 * tried[0]:
            tried[:] = [0, 0, SET_ASIDE]
            return False
        return True

    def prefetch(self, wanted: dict) -> None:
        """Read the rows of {table: ids} not held yet, a query per 500 (the updates of a chunk)."""
        self.overlay.prefetch(wanted)

    def flush(self, forget: bool) -> None:
        """Its rows to the scratch copy; `forget`: the record service writes next, read again after."""
        if forget:
            self.overlay.forget()
        else:
            self.overlay.flush()

    # -- what the writer asks --------------------------------------------------------------------
    def subscribed(self, table: str, kind: str):
        """The rules on `table`'s `kind` of event (created, updated), in their order; [] when only the
        audit log and report caches listen (the replay writes no audit and its scratch copy has no
        cache), None when nobody listens."""
        key = (table, kind)
        found = self._subscribed.get(key)
        if found is None:
            subs = self.form.subscribers.for_table(table)
            found = self._subscribed[key] = None if not subs else self._classify(table, kind, subs)
        if found is _UNSUPPORTED:
            raise Deopt(f"a flow or another subscriber on {table}")
        return found

    def plain_table(self, t, values: dict, creating: bool = False) -> None:
        """Deopt for what the overlay does not write as the record service does: a formula, an auto
        number, a unique value (checked against the database), a multi_link, an entry changed."""
        kinds = self._tables.get(t.name)
        if kinds is None:
            kinds = self._tables[t.name] = (
                frozenset(f.type for f in t.fields.values()) & {"formula", "auto_number"},
                frozenset(n for n, f in t.fields.items() if f.unique),
                frozenset(n for n, f in t.fields.items() if self.form.ftype(f).join_table))
        computed, _unique, joined = kinds
        if "formula" in computed or joined & set(values) or (t.ledger is not None and not creating):
            raise Deopt(f"{t.name}: a formula, multi_link or ledger entry changed")

    def _classify(self, table, kind, subs):
        rules = []
        for sub in subs:
            owner = getattr(sub, "__self__", None)
            if owner is self.rules:
                rules = [r for r in self.rules.by_table.get(table, []) if r.trigger.kind == kind]
            elif not isinstance(owner, (AuditLog, ReportRuntime)):
                return _UNSUPPORTED
        return rules

    def rows(self, table, ids):
        row = self.overlay.row
        return [r for i in ids if (r := row(table, i)) is not None]

    def computed(self, table, values, name):
        raise Deopt(f"a rule reads {table}.{name}, computed from other records")


class _LinkTargets(RecordCache):
    """Records reached through links, from the overlay's rows, each decoded once per row version."""

    def __init__(self, ctx, overlay):
        super().__init__(ctx)
        self._overlay = overlay

    def _load(self, table: str, ids: list) -> None:
        loaded = self._loaded[table]
        for rid in ids:
            row = self._overlay.row(table, rid)
            loaded[rid] = None if row is None else self._overlay.linked(table, row)


def _refuse(name):
    def deopt(*args, **kwargs):
        raise Deopt(f"{name}() in a rule")
    return deopt
