"""Lots: each credit keeps its unspent part (`ledger_remaining`); debits consume lots soonest-expiry-first
(lots without expiry last) and record what they took in `<entries>__lots`.

Invariant (checked by `tessera ledger check`): the remaining parts of an account's lots add up to
max(balance, 0). Callers change the account's balance first: that UPDATE takes the account's row lock
(PostgreSQL; SQLite serialises writers at BEGIN IMMEDIATE), so two debits never consume the same lots.
"""
from __future__ import annotations

import sqlalchemy as sa


def consume(conn, ledger_sql, lots_sql, led, entry_id, account_id, amount, prefer=None):
    """Take `amount` (> 0) from the account's lots for the debit `entry_id`; `prefer`: a lot taken from
    first (the credit a reversal undoes). Returns what could not be covered (an overdraft's part)."""
    c = ledger_sql.c
    order = [sa.case((c.id == prefer, 0), else_=1)] if prefer is not None else []
    if led.expires is not None:
        order += [c[led.expires].is_(None), c[led.expires]]
    stmt = (sa.select(c.id, c.ledger_remaining)
            .where(c[led.account] == account_id, c.ledger_remaining > 0)
            .order_by(*order, c.id).with_for_update(key_share=True))
    left = amount
    taken = []
    for lot_id, remaining in conn.execute(stmt):
        if left <= 0:
            break
        take = min(left, remaining)
        taken.append({"entry_id": entry_id, "lot_id": lot_id, "amount": take})
        # the value, not `remaining - take` in SQL: SQLite's REAL arithmetic would leave -0.00000001
        conn.execute(sa.update(ledger_sql).where(c.id == lot_id).values(ledger_remaining=remaining - take))
        left -= take
    if taken:
        conn.execute(sa.insert(lots_sql), taken)
    return left


def split_credit(amount, new_balance):
    """(remaining, covered) of a credit that left `new_balance`: its lot is what remains; the part
    that pays back an overdraft (the balance was below zero before it) is no lot, it is recorded as
    consumed by the credit itself (record_covered, once the entry exists)."""
    covered = min(amount, max(amount - new_balance, 0))
    return amount - covered, covered


def record_covered(conn, lots_sql, entry_id, covered):
    conn.execute(sa.insert(lots_sql), [{"entry_id": entry_id, "lot_id": entry_id, "amount": covered}])


def latest_expiry(conn, ledger_sql, lots_sql, led, debit_id):
    """The latest expiry among the lots a debit consumed: a refund's credit expires no later than the
    points it gives back would have. None when one of them never expires or it consumed none."""
    if led.expires is None:
        return None
    col = ledger_sql.c[led.expires]
    rows = conn.execute(sa.select(col).select_from(lots_sql.join(ledger_sql, lots_sql.c.lot_id == ledger_sql.c.id))
                        .where(lots_sql.c.entry_id == debit_id)).scalars().all()
    if not rows or any(v is None for v in rows):
        return None
    return max(rows)
