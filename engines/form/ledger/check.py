"""`tessera ledger check`: every balance equals the sum of its entries, and the lots add up.

Each check is one aggregate query per ledger (the database adds, not Python); only the rows that
disagree come back.
"""
from __future__ import annotations

import sqlalchemy as sa


def check_ledgers(form) -> list[str]:
    """The discrepancies of every ledger of one app, one line each; empty when all is well."""
    problems = []
    with form.engine.connect() as conn:
        for t in form.tables.values():
            if t.ledger is not None:
                problems += [f"{form.name}.{t.name}: {p}" for p in _check(form, conn, t)]
    return problems


def _check(form, conn, t):
    led = t.ledger
    entries, lots = form.sql[t.name], form.sql.lots[t.name]
    acc = form.sql[led.account_table]
    f = form.tables[led.account_table].fields[led.balance]
    scale = form.ftype(f).scale(f) if f.type != "integer" else None
    bal = sa.func.coalesce(acc.c[led.balance], 0)

    def rounded(expr):
        # SQLite sums NUMERIC as REAL: compare money at the field's scale
        return sa.func.round(expr, scale) if scale is not None else expr

    def differs(a, b):
        return rounded(a - b) != 0

    sums = (sa.select(entries.c[led.account].label("account"), sa.func.sum(entries.c[led.amount]).label("total"),
                      sa.func.sum(entries.c.ledger_remaining).label("lots"))
            .where(sa.or_(entries.c.ledger_pending.is_(None), entries.c.ledger_pending.is_(False)))  # not yet in it
            .group_by(entries.c[led.account]).subquery())
    total, in_lots = sa.func.coalesce(sums.c.total, 0), sa.func.coalesce(sums.c.lots, 0)
    rows = conn.execute(sa.select(acc.c.id, bal, total).select_from(acc.outerjoin(sums, sums.c.account == acc.c.id))
                        .where(differs(bal, total)).order_by(acc.c.id))
    out = [f"account {i}: balance {b} but its entries add up to {s}" for i, b, s in rows]
    positive = sa.case((bal > 0, bal), else_=0)
    rows = conn.execute(sa.select(acc.c.id, bal, in_lots).select_from(acc.outerjoin(sums, sums.c.account == acc.c.id))
                        .where(differs(positive, in_lots)).order_by(acc.c.id))
    out += [f"account {i}: balance {b} but its unspent lots add up to {s}" for i, b, s in rows]
    used = (sa.select(lots.c.lot_id, sa.func.sum(lots.c.amount).label("used")).group_by(lots.c.lot_id).subquery())
    rem = entries.c.ledger_remaining
    rows = conn.execute(sa.select(entries.c.id, entries.c[led.amount], rem, sums_used := sa.func.coalesce(used.c.used, 0))
                        .select_from(entries.outerjoin(used, used.c.lot_id == entries.c.id))
                        .where(rem.is_not(None), sa.or_(rounded(rem) < 0, differs(entries.c[led.amount] - sums_used, rem)))
                        .order_by(entries.c.id))
    out += [f"lot {i}: amount {a}, consumed {u}, but {r} remaining" for i, a, r, u in rows]
    took = (sa.select(lots.c.entry_id, sa.func.sum(lots.c.amount).label("took"))
            .where(lots.c.entry_id != lots.c.lot_id).group_by(lots.c.entry_id).subquery())
    rows = conn.execute(sa.select(entries.c.id, entries.c[led.amount], took.c.took)
                        .select_from(entries.join(took, took.c.entry_id == entries.c.id))
                        .where(rounded(took.c.took + entries.c[led.amount]) > 0).order_by(entries.c.id))
    out += [f"entry {i}: amount {a} but it consumed {u} from lots" for i, a, u in rows]
    return out
