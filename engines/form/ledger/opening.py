"""Opening balances of accounts created in bulk (an import's chunk), a chunk of entries at a time.

An account created in this unit of work holds its balance field's default (0) and no entries, so a
positive opening entry is simple: the balance becomes default + amount (written with the account's
own INSERT), the entry keeps all of it as its lot (`ledger_remaining`), notes the balance it left,
and is an `earn`. That is what `post` writes for it, without its per-entry statements (balance UPDATE,
key lookup, reads back, two audit rows): the chunk's entries are one executemany and one
`RecordsCreated` event. Anything else (a debit, a pending credit, a row condition on who may create
entries, a negative default) goes through `post` one by one.
"""
from __future__ import annotations

from engines.form.events import RecordsCreated
from engines.form.fields import FieldError
from engines.form.insert_many import RowInserter
from engines.form.system import reserve_ids
from engines.form.validation import check_value


class Openings:
    """The opening entries of one ledger for one import (values: the entries' other fields)."""

    def __init__(self, form, ledger_table: str, values: dict, access=None):
        self.form, self.table = form, ledger_table
        t = form.tables[ledger_table]
        self.led = led = t.ledger
        self.values = dict(values)
        account = form.tables[led.account_table]
        default = account.fields[led.balance].default
        self.start = form.ftype(account.fields[led.balance]).coerce(account.fields[led.balance], default) or 0 \
            if default is not None else 0
        self.fields = (t.fields[led.amount], t.fields[led.expires] if led.expires else None)
        self.direct = led.available is None and self.start >= 0 and self._complete(t) and self._allowed(access)
        self.inserter = RowInserter(form.sql[ledger_table], form.write_engine.dialect)

    def _complete(self, t) -> bool:
        """Whether the fixed values make a valid entry with an account and an amount (else `post`
        refuses each one, with its message)."""
        own = {self.led.account, self.led.amount, self.led.expires, self.led.balance_after}
        for name, f in t.fields.items():
            ftype = self.form.ftype(f)
            if name in own or not ftype.stored or ftype.computed:
                continue
            value = self.values.get(name, f.default)
            try:
                check_value(ftype, f, None if value is None else ftype.coerce(f, value))
            except FieldError:
                return False
            if value is not None:
                self.values[name] = ftype.coerce(f, value)
        return True

    def _allowed(self, access) -> bool:
        """Whether the person may create any such entry without a condition on the rows (else `post`
        decides each one, and says why it refuses)."""
        if access is None:
            return True
        given = set(self.values) | {self.led.account, self.led.amount, self.led.expires}
        return (access.allows(self.table, "create") and access.rows(self.table, "create") is None
                and not (access.readonly(self.table, "create") & given))

    def simple(self, amount) -> bool:
        """Whether this amount opens a new account the bulk way (else: `post`)."""
        return self.direct and amount > 0

    def balance(self, amount):
        return self.start + amount

    def check(self, amount, expires):
        """The entry's own fields as Writer.create checks them (FieldError when refused)."""
        amount_f, expires_f = self.fields
        check_value(self.form.ftype(amount_f), amount_f, amount)
        if expires is not None and expires_f is not None:    # an expiry column exists only with the field
            check_value(self.form.ftype(expires_f), expires_f, expires)

    def write(self, w, items, now) -> list[int]:
        """items: (account id, amount, expires, key) of accounts this unit of work created with the
        balance `balance(amount)`; inserts their entries and tells the subscribers; the entries' ids."""
        if not items:
            return []
        led, t = self.led, self.form.tables[self.table]
        ids = reserve_ids(w.conn, self.form.sql[self.table], len(items))
        rows = []
        for rid, (account, amount, expires, key) in zip(ids, items):
            row = {**self.values, "id": rid, led.account: account, led.amount: amount, "ledger_key": key,
                   "ledger_kind": "earn", "ledger_remaining": amount, "ledger_pending": False}
            if expires is not None:
                row[led.expires] = expires
            if led.balance_after is not None:
                row[led.balance_after] = self.balance(amount)
            rows.append({k: (v if v is None or k not in t.fields else self.form.ftype(t.fields[k]).to_db(t.fields[k], v))
                         for k, v in row.items()})
        self.inserter.insert(w.conn, rows, {"created_at": now, "updated_at": now, "created_by": w.actor,
                                            "updated_by": w.actor})
        w.unit.wrote(self.form, self.table)
        event = RecordsCreated(app=self.form.name, table=self.table, ids=tuple(ids), actor=w.actor,
                               source=w.source, at=now, note={"opening": True})
        child = w.child()
        for sub in self.form.subscribers.for_table(self.table):
            sub(event, child)
        return ids
