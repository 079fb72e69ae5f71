"""`set: {status: done, points_given: =floor(record.amount)}`: change the record the rule is about,
in the same transaction (its own events run their rules: cascades)."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.values import VALUES_SCHEMA, compile_values

NAME = "set"
SCHEMA = VALUES_SCHEMA


@dataclass(frozen=True)
class SetFields:
    values: dict

    def run(self, rc):
        record = rc.require_record("set")
        return rc.writer.update(rc.table, record["id"], {k: v.get(rc) for k, v in self.values.items()})


def compile(value, ctx, path):
    if ctx.table is None:
        ctx.report(path, "`set` changes the record the rule is about; this trigger has none (use `update`)")
        return None
    return SetFields(compile_values(value, ctx.table, ctx, path))
