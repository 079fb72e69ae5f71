"""The SQL a ledger adds: system columns on its entries table and a lots-consumption table."""
from __future__ import annotations

import sqlalchemy as sa


def entry_columns(name: str, amount_type) -> tuple[list, list]:
    """(columns, indexes) for the entries table `name`. All nullable: an existing table gains them
    by the additive migration; entries posted before have no key, kind or lot."""
    cols = [
        sa.Column("ledger_key", sa.String(200), nullable=True),        # idempotency key, unique per ledger
        sa.Column("ledger_kind", sa.String(10), nullable=True),        # earn | spend | expire | reverse
        sa.Column("ledger_remaining", amount_type, nullable=True),     # a credit's unspent part (its lot)
        sa.Column("ledger_reverses", sa.BigInteger(), sa.ForeignKey(f"{name}.id", ondelete="RESTRICT",
                                                                    name=f"fk_{name}__ledger_reverses"),
                  nullable=True),
        sa.Column("ledger_rule", sa.String(200), nullable=True),       # the rule that posted it, if any
        sa.Column("ledger_debt", amount_type, nullable=True),          # a reversal's shortfall (already spent)
        sa.Column("ledger_pending", sa.Boolean(), nullable=True),      # true: not in the balance until released
    ]
    indexes = [sa.Index(f"ux_{name}__ledger_key", "ledger_key", unique=True),
               sa.Index(f"ix_{name}__ledger_reverses", "ledger_reverses"),
               sa.Index(f"ix_{name}__ledger_pending", "ledger_pending")]
    return cols, indexes


def lots_table(name: str, amount_type, metadata: sa.MetaData) -> sa.Table:
    """Which lots each debit consumed: `<entries>__lots` (debit entry, lot entry, amount)."""
    lname = f"{name}__lots"
    return sa.Table(
        lname, metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger(), sa.ForeignKey(f"{name}.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), sa.ForeignKey(f"{name}.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("amount", amount_type, nullable=False),
        sa.Index(f"ix_{lname}__entry", "entry_id"),
        sa.Index(f"ix_{lname}__lot", "lot_id"),
    )
