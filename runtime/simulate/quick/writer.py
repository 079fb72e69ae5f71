"""The quick replay's writer: `Writer.update`, `Writer.create` and a ledger credit's, step for step,
on the overlay's rows instead of the database, with the same rules run the same way.

It follows engines/form/records.py (update, create, _emit), engines/form/ledger/post.py (post,
_create_once, insert_entry for a credit) and engines/rules/running.py (on_event, run) line by line,
and reuses what those use: the validation (`clean_values`), the rules' compiled triggers,
conditions and values, their `RunContext`, the run log's rows. Anything it does not do the same
(a debit's lots, a flow, a unique value, an auto number, a rollup read by a rule, a refusal...)
raises Deopt, and the event goes to the record service."""
from __future__ import annotations

import datetime as dt
import time

from engines.common import clock
from engines.form.events import RecordEvent
from engines.form.ledger import lots
from engines.form.ledger.post import entry_columns
from engines.form.records import MAX_CASCADE_DEPTH
from engines.form.validation import clean_values, holders
from engines.rules import runlog
from engines.rules.running import RunContext
from runtime.simulate.quick.errors import Deopt
from runtime.simulate.quick.steps import run_steps


class QuickWriter:
    """One level of a cascade (the replayed write, or the rules of one event), as Writer is."""

    access = None                   # the system's writes: no person's permissions

    def __init__(self, quick, actor, source: str, depth: int = 0):
        self.quick, self.form, self.conn, self.unit = quick, quick.form, quick.conn, quick.unit
        self.actor, self.source, self.depth = actor, source, depth
        self.writes = 0

    # -- reading (RunContext and the expressions read through these) -------------------------------
    def get(self, table: str, record_id, lock: bool = False) -> dict:
        row = self.quick.overlay.row(table, record_id)
        if row is None:
            raise Deopt(f"{table} #{record_id} is not there")
        return self.quick.overlay.record(table, row)      # never changed in place: a write makes a new one

    def rows(self, table: str, ids) -> list[dict]:
        return self.quick.rows(table, ids)

    def computed(self, table: str, record: dict, name: str):
        return self.quick.computed(table, record, name)

    def child(self) -> "QuickWriter":
        return QuickWriter(self.quick, self.actor, "rule", self.depth + 1)

    # -- writing -------------------------------------------------------------------------------------
    def update(self, table: str, record_id, values: dict) -> dict:
        t = self.form.tables[table]
        self.writes += 1
        self.quick.plain_table(t, values)
        old = self.get(table, record_id)
        clean, _joins = clean_values(self, t, values, old)
        changed = {k for k, v in clean.items() if old.get(k) != v}
        if not changed:
            return old
        row = {k: self._to_db(t, k, clean[k]) for k in changed}
        row.update(updated_at=clock.utcnow_naive(), updated_by=self.actor)
        self.quick.overlay.update(table, record_id, row)
        record = self.get(table, record_id)
        if self._emit("updated", t, record_id, old, record, frozenset(changed)):
            record = self.get(table, record_id)
        return record

    def create(self, table: str, values: dict, ledger=None) -> dict:
        """Writer.create: a record, or a ledger's entry (a credit: `_create_entry`)."""
        t = self.form.tables[table]
        if t.ledger is not None:    # every create of an entry is a post, whoever makes it (Writer.create)
            return self._create_entry(table, values, ledger or {})
        self.writes += 1
        self.quick.plain_table(t, values, creating=True)
        clean, joins = clean_values(self, t, values, None)
        now = clock.utcnow_naive()
        self._fill_auto_numbers(t, clean, now)
        row = {**{k: self._to_db(t, k, v) for k, v in clean.items()},
               "created_at": now, "updated_at": now, "created_by": self.actor, "updated_by": self.actor}
        new_id = self.quick.overlay.insert(table, row)["id"]
        record = self.get(table, new_id)
        if self._emit("created", t, new_id, None, record, frozenset(clean) | frozenset(joins)):
            record = self.get(table, new_id)
        return record

    def post(self, table: str, account_id, amount, *, values, key, expires, rule) -> dict:
        """engines/form/ledger/post.py's post and _create_once: a credit, once per key."""
        led = self.form.tables[table].ledger
        fields = {**values, led.account: account_id, led.amount: amount}
        if expires is not None:
            if led.expires is None:
                raise Deopt("an expiry on a ledger without one")
            fields[led.expires] = expires
        if key is not None and (found := self.quick.overlay.key_id(table, key)) is not None:
            return self.get(table, found)
        return self._create_entry(table, fields, {"ledger_key": key, "ledger_rule": rule})

    def _create_entry(self, table: str, fields: dict, system: dict) -> dict:
        """Writer.create of a ledger entry with insert_entry's credit: the balance moves, the entry is
        inserted with its lot and the balance it left, the account's and then the entry's rules run."""
        t = self.form.tables[table]
        self.writes += 1
        self.quick.plain_table(t, fields, creating=True)
        led = t.ledger
        if self.form.tables[led.account_table].fields[led.balance].type != "integer":
            raise Deopt("a ledger of money (its balance moves by SQLite's REAL arithmetic)")
        clean, _joins = clean_values(self, t, fields, None)
        now = clock.utcnow_naive()
        row = {**{k: self._to_db(t, k, v) for k, v in clean.items()},
               "created_at": now, "updated_at": now, "created_by": self.actor, "updated_by": self.actor}
        row.update(entry_columns(t, clean, system))
        amount = clean.get(led.amount)
        if amount is None or amount <= 0 or (led.available is not None and clean.get(led.available) is not None):
            raise Deopt("a debit, a zero or a pending entry")
        account_id = clean[led.account]
        overlay = self.quick.overlay
        account = overlay.row(led.account_table, account_id)
        if account is None:
            raise Deopt("no account")
        moved = (account[led.balance] or 0) + amount
        overlay.update(led.account_table, account_id, {led.balance: moved, "updated_at": clock.utcnow_naive(),
                                                       "updated_by": self.actor})
        row["ledger_remaining"], covered = lots.split_credit(amount, moved)
        if covered:
            raise Deopt("a credit that pays back an overdraft")
        if led.balance_after is not None:
            row[led.balance_after] = moved
        new_id = overlay.insert(table, row, system.get("ledger_key"))["id"]
        acc_t = self.form.tables[led.account_table]
        balanced = self.get(led.account_table, account_id)
        self._emit("updated", acc_t, account_id, {**balanced, led.balance: moved - amount}, balanced,
                   frozenset({led.balance}))
        record = self.get(table, new_id)
        if self._emit("created", t, new_id, None, record, frozenset(clean)):
            record = self.get(table, new_id)
        return record

    def _fill_auto_numbers(self, t, clean, now):
        """Writer._fill_auto_numbers, the counters held by the overlay."""
        local = now.replace(tzinfo=dt.timezone.utc).astimezone(self.form.timezone)
        for name, f in t.fields.items():
            if f.type == "auto_number":
                ftype = self.form.ftype(f)
                n = self.quick.overlay.next_number(t.name, name, ftype.period_key(f, local))
                clean[name] = ftype.render(f, local, n)

    def unique_taken(self, t, name, value, record_id) -> bool:
        """Writer.unique_taken on the copy as last flushed and the rows changed or made here since."""
        return self.quick.overlay.unique_taken(t.name, name, value, record_id,
                                               holders(self, t, name, value, record_id, limit=50))

    def _to_db(self, t, name, value):
        f = t.fields[name]
        return None if value is None else self.form.ftype(f).to_db(f, value)

    # -- events and rules ----------------------------------------------------------------------------
    def _emit(self, kind, t, record_id, old, new, changed) -> bool:
        rules = self.quick.subscribed(t.name, kind)
        if rules is None:
            return False
        if self.depth >= MAX_CASCADE_DEPTH:
            raise Deopt("a cascade too deep")
        event = RecordEvent(kind=kind, app=self.form.name, table=t.name, id=record_id, old=old, new=new,
                            actor=self.actor, source=self.source, changed=changed)
        child = self.child()
        record = new if new is not None else old
        for rule in rules:
            if rule.trigger.matches(event):
                before = child.writes
                child._run(rule, RunContext(rule, child, t.name, record, old=old), event.source)
                if child.writes != before and new is not None:
                    record = child.get(t.name, record_id)
        return child.writes > 0

    def _run(self, rule, rc, source: str) -> None:
        """engines/rules/running.py's run, for a rule that goes through (any refusal is a Deopt)."""
        started = time.perf_counter()
        base = dict(app=self.form.name, rule=rule.name, trigger=rule.trigger.kind, table=rc.table,
                    record_id=(rc.record or {}).get("id"), actor=self.actor, source=source)
        if rule.condition is not None and not rc.evaluate(rule.condition):
            return
        run_steps(rule.steps, rc)
        self.quick.logs.append(runlog.entry(outcome="ok", duration_ms=(time.perf_counter() - started) * 1000,
                                            **base))
