"""Posting to a ledger: the entry, the account's balance and the lots, in the writer's transaction.

Every entry is a record created through the record service (`Writer.create`), so it is validated,
audited and emitted like any other; `insert_entry` is how `Writer.create` writes a ledger table's row.
The balance moves first, by one conditional UPDATE ... RETURNING (`balance = balance - x WHERE
balance >= x`: the database serialises debits, never Python), so that the entry is inserted whole,
with its remaining amount and the balance it left.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa

from engines.common import clock
from engines.common.labels import msg
from engines.form.errors import Conflict, NotFound, RecordError, ValidationFailed
from engines.form.ledger import lots
from engines.form.statements import RID


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
    kind, pending = writer.conn.execute(sa.select(sql.c.ledger_kind, sql.c.ledger_pending)
                                        .where(sql.c.id == entry_id)).one()
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
    if pending:         # a credit not yet available: its reversal waits with it and is released after it
        system["_pending"] = True
        fields[led.amount] = -part
        if led.available is not None:
            fields[led.available] = orig[led.available]
    elif orig[led.amount] > 0:
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


def insert_entry(writer, t, clean, system, row) -> int:
    """Insert a new entry's `row` (called by Writer.create): move the balance, insert the entry with
    its remaining amount and balance_after, consume or record lots, then tell the account's
    subscribers (rules and the audit log see the balance change, the entry already there)."""
    led = t.ledger
    amount = clean.get(led.amount)
    kind = system.get("ledger_kind")
    if amount is None or (amount == 0 and kind != "reverse"):
        raise ValidationFailed({led.amount: msg("a ledger entry's amount cannot be zero", "账目金额不能为零")})
    account_id = clean[led.account]
    if system.get("_pending") or _dated_later(writer, t, clean):
        return _insert_pending(writer, t, led, account_id, amount, row, system)

    def write():        # one savepoint (where one is needed) holds both: a refused insert undoes the move
        moved = _move_balance(writer, led, account_id, amount) if amount else None
        new_balance = moved if moved is not None else _balance(writer, led, account_id)
        covered = 0
        if amount > 0:
            row["ledger_remaining"], covered = lots.split_credit(amount, new_balance)
        if led.balance_after is not None:
            row[led.balance_after] = new_balance
        return writer._insert(t, row), moved, covered

    guarded = writer._guarded(t, row, keyed=system.get("ledger_key") is not None)
    entry_id, moved, covered = writer._written(t, guarded, write)
    lots_sql = writer.form.sql.lots[t.name]
    if covered:
        lots.record_covered(writer.conn, lots_sql, entry_id, covered)
    elif amount < 0:
        prefer = system.get("_lot") or (system.get("ledger_reverses") if kind == "reverse" else None)
        lots.consume(writer.conn, writer.form.sql[t.name], lots_sql, led, entry_id, account_id, -amount, prefer)
        writer.unit.drop_table(t.name)      # the lots it consumed hold less now
    if moved is not None:
        _balance_moved(writer, led, account_id, moved - amount)
    return entry_id


def _dated_later(writer, t, clean) -> bool:
    """Whether the entry's `available` date or time is still to come (a date: from its first moment
    in the app's time zone)."""
    led = t.ledger
    when = clean.get(led.available) if led.available is not None else None
    if when is None:
        return False
    now = clock.now()
    if isinstance(when, dt.datetime):
        return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)) > now
    return when > now.astimezone(writer.form.timezone).date()


def _insert_pending(writer, t, led, account_id, amount, row, system) -> int:
    """A pending entry: written now, in the balance only once `release` takes it in."""
    if amount < 0 and system.get("ledger_kind") != "reverse":
        raise ValidationFailed({led.available: msg("a spend takes effect at once; leave this empty",
                                                   "扣减立即生效，请留空")})
    row["ledger_pending"] = True
    if led.balance_after is not None:
        row[led.balance_after] = _balance(writer, led, account_id)
    guarded = writer._guarded(t, row, keyed=system.get("ledger_key") is not None)
    entry_id, _moved, _covered = writer._written(t, guarded, lambda: (writer._insert(t, row), None, 0))
    return entry_id


def release(writer, table, entry_id) -> bool:
    """Take a pending entry into the balance (its time has come): the balance moves, a credit becomes a
    lot, a pending reversal consumes its credit's lot. False when it is not pending (released already)."""
    led = _ledger(writer, table)
    sql, conn = writer.form.sql[table], writer.conn
    entry = conn.execute(sa.select(sql.c[led.account], sql.c[led.amount], sql.c.ledger_reverses)
                         .where(sql.c.id == entry_id, sql.c.ledger_pending.is_(True))).first()
    if entry is None:
        return False
    account_id, amount = entry[0], _as(writer, led, entry[1])
    before = _balance(writer, led, account_id, lock=True)    # the account's row first, as every post takes it
    if conn.execute(sa.update(sql).where(sql.c.id == entry_id, sql.c.ledger_pending.is_(True))
                    .values(ledger_pending=False)).rowcount != 1:
        return False                                          # another scheduler released it meanwhile
    moved = _move_balance(writer, led, account_id, amount) if amount else before
    done = {} if led.balance_after is None else {led.balance_after: moved}
    lots_sql = writer.form.sql.lots[table]
    if amount > 0:
        remaining, covered = lots.split_credit(amount, moved)
        done["ledger_remaining"] = remaining
        if covered:
            lots.record_covered(conn, lots_sql, entry_id, covered)
    elif amount < 0:
        lots.consume(conn, sql, lots_sql, led, entry_id, account_id, -amount, entry.ledger_reverses)
    if done:
        conn.execute(sa.update(sql).where(sql.c.id == entry_id).values(done))
    writer.unit.drop_table(table)
    if amount:
        _balance_moved(writer, led, account_id, before)
    return True


def _balance_moved(writer, led, account_id, before) -> None:
    """The account's `updated` event for its balance (rules and the audit log see it change)."""
    record = writer.get(led.account_table, account_id)
    writer._emit("updated", writer.form.tables[led.account_table], account_id, {**record, led.balance: before},
                 record, frozenset({led.balance}))


def entry_columns(t, clean, system) -> dict:
    """The system columns of a new entry (written with its insert: a repeated key fails right there)."""
    amount = clean.get(t.ledger.amount)
    kind = system.get("ledger_kind") or ("earn" if (amount or 0) > 0 else "spend")
    return {"ledger_key": system.get("ledger_key"), "ledger_rule": system.get("ledger_rule"),
            "ledger_kind": kind, "ledger_reverses": system.get("ledger_reverses"),
            "ledger_debt": system.get("ledger_debt"), "ledger_pending": False}


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
    statements = writer.form.statements
    found = statements.run(writer.conn, statements.by_column(table, "ledger_key"), {"value": key}).scalar()
    return None if found is None else writer.get(table, found)


def _create_once(writer, table, fields, system) -> dict:
    key = system.get("ledger_key")
    if key is not None and (found := _by_key(writer, table, key)) is not None:
        return found
    try:
        return writer.create(table, fields, ledger=system)
    except Conflict:
        # PostgreSQL: a concurrent post of the same key committed first; ours waited, then failed, and
        # its savepoint undid the balance too. (SQLite serialises units of work: the check above is exact.)
        if key is not None and writer.conn.dialect.name != "sqlite" and (found := _by_key(writer, table, key)):
            return found
        raise


def _move_balance(writer, led, account_id, amount):
    """One UPDATE ... RETURNING: the new balance (the account's row kept for later reads), or
    InsufficientBalance when a debit is not covered."""
    guard = amount < 0 and not led.overdraft

    def build():
        acc = writer.form.sql[led.account_table]
        bal = sa.func.coalesce(acc.c[led.balance], 0)
        amt = sa.bindparam("amount", type_=acc.c[led.balance].type)
        stmt = (sa.update(acc).where(acc.c.id == sa.bindparam(RID))
                .values({led.balance: _rounded(writer, led, bal + amt),
                         "updated_at": sa.bindparam("now"), "updated_by": sa.bindparam("actor")})
                .returning(*acc.c))
        return stmt.where(bal >= -amt) if guard else stmt
    stmt = writer.form.statements.custom(("move", led.account_table, led.balance, guard), build)
    now = clock.utcnow_naive()
    row = writer.form.statements.run(writer.conn, stmt, {"amount": amount, "now": now, "actor": writer.actor,
                                                        RID: account_id}).first()
    if row is None:
        have = _balance(writer, led, account_id)
        raise _insufficient(writer, led, have, -amount)
    writer.unit.keep(led.account_table, dict(row), locked=True)
    writer.unit.wrote(writer.form, led.account_table, (led.balance, "updated_at", "updated_by"))
    return _as(writer, led, row[led.balance])


def _balance(writer, led, account_id, lock=False):
    def build():
        acc = writer.form.sql[led.account_table]
        stmt = sa.select(sa.func.coalesce(acc.c[led.balance], 0)).where(acc.c.id == sa.bindparam(RID))
        # FOR NO KEY UPDATE: the lock the balance UPDATE takes, so posts queue rather than deadlock
        return stmt.with_for_update(key_share=True) if lock else stmt
    stmt = writer.form.statements.custom(("balance", led.account_table, led.balance, lock), build)
    value = writer.conn.execute(stmt, {RID: account_id}).scalar()
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
