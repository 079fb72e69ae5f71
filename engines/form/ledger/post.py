"""Posting to a ledger: the entry, the account's balance and the lots, in the writer's transaction.

Every entry is a record created through the record service (`Writer.create`), so it is validated,
audited and emitted like any other; `apply_entry` is the step `Writer.create` runs for a ledger table
between inserting the entry and emitting it. The balance moves by one conditional UPDATE
(`balance = balance - x WHERE balance >= x`): the database serialises debits, never Python.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.errors import Conflict, NotFound, RecordError, ValidationFailed
from engines.form.ledger import lots


class InsufficientBalance(RecordError):
    """A debit the balance does not cover, on a ledger without overdraft."""
    status = 409
    code = "insufficient_balance"


def post(writer, table, account_id, amount, *, values=None, key=None, expires=None, rule=None) -> dict:
    """Post `amount` (signed: > 0 earns, < 0 spends) to `account_id`'s balance; returns the entry.
    `values`: the entry's other fields (reason, reference, ...). `key`: an idempotency key; the
    same key twice has its effect once and returns the first entry."""
    led = _ledger(writer, table)
    fields = {**(values or {}), led.account: account_id, led.amount: amount}
    if expires is not None:
        if led.expires is None:
            raise RecordError(msg(f"ledger '{table}' has no expiry field", f"账本 {table} 没有过期字段"))
        fields[led.expires] = expires
    return _create_once(writer, table, fields, {"ledger_key": key, "ledger_rule": rule})


def reverse(writer, table, entry_id, *, amount=None, ratio=None, values=None, key=None, rule=None) -> dict:
    """Undo an entry in full, or in part: `amount` (positive, in the entry's unit) or `ratio` (0-1 of
    the original, rounded down). A credit already spent is taken back as far as the balance allows;
    the shortfall is recorded on the reversal as `ledger_debt` (the balance never goes below zero
    unless the ledger allows overdraft)."""
    led = _ledger(writer, table)
    if key is not None and (found := _by_key(writer, table, key)) is not None:
        return found
    orig = writer.get(table, entry_id)          # entries never change: no lock needed to read it
    # the account's row first, as every post takes it (then lots): reversals of one entry queue here
    balance = _balance(writer, led, orig[led.account], lock=True)
    sql = writer.form.sql[table]
    kind = writer.conn.execute(sa.select(sql.c.ledger_kind).where(sql.c.id == entry_id)).scalar_one()
    if kind in ("reverse", "expire"):
        raise Conflict(msg(f"entry {entry_id} is a {kind} entry and cannot be reversed",
                           f"第 {entry_id} 条是{'冲正' if kind == 'reverse' else '过期'}记录，不能冲正"))
    size = abs(orig[led.amount])
    done = writer.conn.execute(sa.select(sa.func.coalesce(sa.func.sum(sa.func.abs(sql.c[led.amount])
                                                                      + sa.func.coalesce(sql.c.ledger_debt, 0)), 0))
                               .where(sql.c.ledger_reverses == entry_id)).scalar_one()
    left = size - _as(writer, led, done)
    part = _part(size, amount, ratio, left, writer, led)
    if part > left or part <= 0:
        raise Conflict(msg(f"entry {entry_id}: {left} left to reverse, not {part}",
                           f"第 {entry_id} 条剩余可冲正 {left}，不能冲正 {part}"))
    fields = {**_carried(writer, table, orig), **(values or {}), led.account: orig[led.account]}
    system = {"ledger_key": key, "ledger_rule": rule, "ledger_kind": "reverse", "ledger_reverses": entry_id}
    if orig[led.amount] > 0:
        taken = part if led.overdraft else min(part, max(balance, 0))
        fields[led.amount] = -taken
        system["ledger_debt"] = part - taken
    else:
        fields[led.amount] = part
        if led.expires is not None:
            fields[led.expires] = lots.latest_expiry(writer.conn, sql, writer.form.sql.lots[table], led, entry_id)
    return _create_once(writer, table, fields, system)


def expire_lot(writer, table, lot_id) -> dict | None:
    """Write the expiry entry of one lot's remaining part (key `expire:<lot>`: once, whoever runs it)."""
    led = _ledger(writer, table)
    sql = writer.form.sql[table]
    account = writer.conn.execute(sa.select(sql.c[led.account]).where(sql.c.id == lot_id)).scalar_one()
    _balance(writer, led, account, lock=True)       # the account's row first, as every debit takes it
    remaining = writer.conn.execute(sa.select(sql.c.ledger_remaining).where(sql.c.id == lot_id)).scalar_one()
    if not remaining or remaining <= 0:
        return None
    lot = writer.get(table, lot_id)
    fields = {**_carried(writer, table, lot), **dict(led.expiry_entry), led.account: account, led.amount: -remaining}
    return _create_once(writer, table, fields, {"ledger_key": f"expire:{lot_id}", "ledger_kind": "expire",
                                                "ledger_reverses": None, "_lot": lot_id})


def apply_entry(writer, t, entry_id, clean, system) -> None:
    """Move the balance and the lots for the entry just inserted (called by Writer.create)."""
    led = t.ledger
    amount = clean.get(led.amount)
    kind = system.get("ledger_kind")
    if amount is None or (amount == 0 and kind != "reverse"):
        raise ValidationFailed({led.amount: msg("a ledger entry's amount cannot be zero", "账目金额不能为零")})
    new_balance = (_move_balance(writer, led, clean[led.account], amount) if amount
                   else _balance(writer, led, clean[led.account]))
    sql, lots_sql = writer.form.sql[t.name], writer.form.sql.lots[t.name]
    prefer = system.get("_lot") or (system.get("ledger_reverses") if kind == "reverse" else None)
    if amount > 0:
        lots.open_lot(writer.conn, sql, lots_sql, entry_id, amount, new_balance)
    elif amount < 0:
        lots.consume(writer.conn, sql, lots_sql, led, entry_id, clean[led.account], -amount, prefer)
    if led.balance_after is not None:
        writer.conn.execute(sa.update(sql).where(sql.c.id == entry_id).values({led.balance_after: new_balance}))


def entry_columns(t, clean, system) -> dict:
    """The system columns of a new entry (written with its insert: a repeated key fails right there)."""
    amount = clean.get(t.ledger.amount)
    kind = system.get("ledger_kind") or ("earn" if (amount or 0) > 0 else "spend")
    return {"ledger_key": system.get("ledger_key"), "ledger_rule": system.get("ledger_rule"),
            "ledger_kind": kind, "ledger_reverses": system.get("ledger_reverses"),
            "ledger_debt": system.get("ledger_debt")}


def append_only(t) -> Conflict:
    return Conflict(msg(f"entries of '{t.label.en}' cannot be changed or deleted; post a reversal",
                        f"{t.label.zh} 的记录不能修改或删除，请冲正"))


# -- inside ------------------------------------------------------------------------------------------------
def _ledger(writer, table):
    t = writer.form.tables.get(table)
    if t is None or t.ledger is None:
        raise NotFound(msg(f"no ledger '{table}'", f"没有账本 {table}"))
    return t.ledger


def _by_key(writer, table, key):
    sql = writer.form.sql[table]
    found = writer.conn.execute(sa.select(sql.c.id).where(sql.c.ledger_key == key)).scalar()
    return None if found is None else writer.get(table, found)


def _create_once(writer, table, fields, system) -> dict:
    key = system.get("ledger_key")
    if key is not None and (found := _by_key(writer, table, key)) is not None:
        return found
    try:
        return writer.create(table, fields, ledger=system)
    except Conflict:
        # PostgreSQL: a concurrent post of the same key committed first; ours waited, then failed
        if key is not None and (found := _by_key(writer, table, key)) is not None:
            return found
        raise


def _move_balance(writer, led, account_id, amount):
    """One UPDATE ... RETURNING: the new balance, or InsufficientBalance when a debit is not covered."""
    acc = writer.form.sql[led.account_table]
    bal = sa.func.coalesce(acc.c[led.balance], 0)
    stmt = (sa.update(acc).where(acc.c.id == account_id)
            .values({led.balance: _rounded(writer, led, bal + amount),
                     "updated_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "updated_by": writer.actor})
            .returning(acc.c[led.balance]))
    if amount < 0 and not led.overdraft:
        stmt = stmt.where(bal >= -amount)
    row = writer.conn.execute(stmt).first()
    if row is None:
        have = _balance(writer, led, account_id)
        raise _insufficient(writer, led, have, -amount)
    new = _as(writer, led, row[0])
    account_t = writer.form.tables[led.account_table]
    record = writer.get(led.account_table, account_id)
    writer._emit("updated", account_t, account_id, {**record, led.balance: new - amount}, record,
                 frozenset({led.balance}))        # rules and the audit log see the balance change
    return new


def _balance(writer, led, account_id, lock=False):
    acc = writer.form.sql[led.account_table]
    stmt = sa.select(sa.func.coalesce(acc.c[led.balance], 0)).where(acc.c.id == account_id)
    if lock:   # FOR NO KEY UPDATE: the lock the balance UPDATE takes, so posts queue rather than deadlock
        stmt = stmt.with_for_update(key_share=True)
    value = writer.conn.execute(stmt).scalar()
    if value is None:
        label = writer.form.tables[led.account_table].label
        raise NotFound(msg(f"no record {account_id} in '{label.en}'", f"{label.zh} 中没有编号为 {account_id} 的记录"))
    return _as(writer, led, value)


def _insufficient(writer, led, have, need) -> InsufficientBalance:
    if _is_money(writer, led):
        return InsufficientBalance(msg(f"insufficient balance: balance {have}, needs {need}",
                                       f"余额不足：当前余额 {have}，需要 {need}"))
    return InsufficientBalance(msg(f"insufficient points: balance {have}, needs {need}",
                                   f"积分不足：当前积分 {have}，需要 {need}"))


def _carried(writer, table, entry) -> dict:
    """The fields a derived entry (reversal, expiry) takes over from its original so that it is valid:
    the required ones without a default (the reason, say), unless the caller gives them."""
    led = writer.form.tables[table].ledger
    own = {led.account, led.amount, led.expires, led.balance_after}
    return {n: entry[n] for n, f in writer.form.tables[table].fields.items()
            if f.required and f.default is None and n not in own and entry.get(n) is not None
            and writer.form.ftype(f).stored and not writer.form.ftype(f).computed}


def _part(size, amount, ratio, left, writer, led):
    if amount is not None and ratio is not None:
        raise RecordError(msg("give an amount or a ratio, not both", "金额和比例只能给一个"))
    if amount is not None:
        return _as(writer, led, amount)
    if ratio is None:
        return left
    part = Decimal(str(size)) * Decimal(str(ratio))
    if isinstance(size, int):
        return int(part.to_integral_value(ROUND_DOWN))
    return part.quantize(Decimal(1).scaleb(-_scale(writer, led)), ROUND_DOWN)


def _is_money(writer, led) -> bool:
    return writer.form.tables[led.account_table].fields[led.balance].type != "integer"


def _scale(writer, led) -> int:
    f = writer.form.tables[led.account_table].fields[led.balance]
    return writer.form.ftype(f).scale(f)


def _rounded(writer, led, expr):
    # SQLite keeps NUMERIC as REAL: round each result so 0.1 + 0.2 compares equal to 0.3
    return sa.func.round(expr, _scale(writer, led)) if _is_money(writer, led) else expr


def _as(writer, led, value):
    """A database number as the ledger's Python type: int for points, Decimal at the field's scale for money."""
    if not _is_money(writer, led):
        return int(value)
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-_scale(writer, led)))
