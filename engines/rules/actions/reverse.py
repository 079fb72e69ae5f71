"""`reverse: {ledger: points_ledger, entry: =earned.id, ratio: =record.refund / record.amount}`: undo an
earlier entry in full, or in part (`amount` or `ratio`), as a refund does. Points already spent are
taken back as far as the balance allows; the rest is recorded as a debt on the reversal."""
from __future__ import annotations

from dataclasses import dataclass

from engines.form.ledger import post as ledger
from engines.rules.actions.post import EXPR, ledger_table
from engines.rules.actions.values import compile_value

NAME = "reverse"
SCHEMA = {"type": "object", "required": ["ledger", "entry"], "additionalProperties": False,
          "properties": {"ledger": {"type": "string"}, "entry": EXPR, "amount": EXPR, "ratio": EXPR, "key": EXPR}}


@dataclass(frozen=True)
class Reverse:
    ledger: str
    entry: object
    amount: object = None
    ratio: object = None
    key: object = None

    @property
    def table(self):
        return self.ledger

    def run(self, rc):
        def get(v):
            return None if v is None else v.get(rc)
        key = get(self.key)
        return ledger.reverse(rc.writer, self.ledger, get(self.entry), amount=get(self.amount),
                              ratio=get(self.ratio), key=None if key is None else str(key), rule=rc.rule.name)


def compile(value, ctx, path):
    table = ledger_table(value, ctx, path)
    if table is None:
        return None
    if "amount" in value and "ratio" in value:
        ctx.report(path, "give `amount` or `ratio`, not both")
    opt = {k: compile_value(value[k], ctx, path + (k,)) for k in ("amount", "ratio", "key") if k in value}
    return Reverse(table, compile_value(value.get("entry"), ctx, path + ("entry",)), **opt)
