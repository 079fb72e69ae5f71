"""`increment: {visits: 1, total: =record.amount}` on the rule's record: add to numeric fields. The
record is read under the write lock of the unit of work, so two increments never lose one another."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.values import VALUES_SCHEMA, compile_values

NAME = "increment"
SCHEMA = VALUES_SCHEMA
NUMERIC = ("integer", "decimal", "money", "percent", "rating", "duration")


@dataclass(frozen=True)
class Increment:
    values: dict

    def run(self, rc):
        record = rc.require_record("increment")
        current = rc.writer.get(rc.table, record["id"], lock=True)
        return rc.writer.update(rc.table, record["id"],
                                {k: (current.get(k) or 0) + v.get(rc) for k, v in self.values.items()})


def compile(value, ctx, path):
    if ctx.table is None:
        ctx.report(path, "`increment` changes the record the rule is about; this trigger has none")
        return None
    values = compile_values(value, ctx.table, ctx, path)
    for name in values:
        if ctx.tables[ctx.table].fields[name].type not in NUMERIC:
            ctx.report(path + (name,), f"'{name}' is not a number field; only numbers can be incremented")
    return Increment(values)
