"""`post: {ledger: points_ledger, account: =record.member, amount: =floor(record.amount),
key: "=concat('order-', str(record.id))", values: {reason: order}, expires: =add_days(today(), 365)}`:
an entry in a ledger (positive earns, negative spends), in the same transaction. With `key`, the same
key twice has its effect once. A spend the balance does not cover refuses the write (409)."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.problems import did_you_mean
from engines.form.ledger import post as ledger
from engines.rules.actions.values import VALUES_SCHEMA, compile_value, compile_values

NAME = "post"
EXPR = {"x-expected": "a value or an expression starting with =", "type": ["string", "integer", "number"]}
SCHEMA = {"type": "object", "required": ["ledger", "account", "amount"], "additionalProperties": False,
          "properties": {"ledger": {"type": "string"}, "account": EXPR, "amount": EXPR, "key": EXPR,
                         "expires": EXPR, "values": VALUES_SCHEMA}}


@dataclass(frozen=True)
class Post:
    ledger: str
    account: object
    amount: object
    key: object = None
    expires: object = None
    values: dict | None = None

    @property
    def table(self):            # `as:` binds the entry as a record of the ledger table
        return self.ledger

    def run(self, rc):
        key = self.key.get(rc) if self.key is not None else None
        return ledger.post(rc.writer, self.ledger, self.account.get(rc), self.amount.get(rc),
                           values={k: v.get(rc) for k, v in (self.values or {}).items()},
                           key=None if key is None else str(key),
                           expires=self.expires.get(rc) if self.expires is not None else None, rule=rc.rule.name)


def ledger_table(value, ctx, path):
    table = value.get("ledger")
    if table not in ctx.tables or getattr(ctx.tables[table], "ledger", None) is None:
        ledgers = [n for n, t in ctx.tables.items() if getattr(t, "ledger", None) is not None]
        ctx.report(path + ("ledger",), f"'{table}' is not a ledger{did_you_mean(str(table), ledgers)}"
                   + ("" if ledgers else "; declare one with `ledger:` on a table"))
        return None
    return table


def compile(value, ctx, path):
    table = ledger_table(value, ctx, path)
    if table is None:
        return None
    opt = {k: compile_value(value[k], ctx, path + (k,)) for k in ("key", "expires") if k in value}
    return Post(table, compile_value(value.get("account"), ctx, path + ("account",)),
                compile_value(value.get("amount"), ctx, path + ("amount",)), **opt,
                values=compile_values(value.get("values") or {}, table, ctx, path + ("values",)))
