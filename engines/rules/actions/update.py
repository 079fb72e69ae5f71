"""`update: {table: members, id: =record.member, values: {tier: vip}}`: change another record (a
linked one, usually) in the same transaction. An id that names no record fails the rule. The values
are worked out under the record's write lock, so `stock: =record.product.stock - 1` is never lost."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.values import VALUES_SCHEMA, compile_value, compile_values

NAME = "update"
SCHEMA = {"type": "object", "required": ["table", "id", "values"], "additionalProperties": False,
          "properties": {"table": {"type": "string"},
                         "id": {"x-expected": "a record id or an expression starting with =",
                                "type": ["string", "integer"]},
                         "values": VALUES_SCHEMA}}


@dataclass(frozen=True)
class Update:
    table: str
    id: object
    values: dict

    def run(self, rc):
        target = self.id.get(rc)
        target = getattr(target, "id", target)
        if isinstance(target, int) and not isinstance(target, bool):
            # the row's write lock before its new values are worked out, and those read again under it:
            # two redemptions computing `stock: =record.product.stock - 1` queue, neither loses the other's
            rc.writer.get(self.table, target, lock=True)
            rc.eval.cache.forget()
        return rc.writer.update(self.table, target, {k: v.get(rc) for k, v in self.values.items()})


def compile(value, ctx, path):
    table = value.get("table")
    if not ctx.known_table(table, path + ("table",)):
        return None
    return Update(table, compile_value(value.get("id"), ctx, path + ("id",)),
                  compile_values(value.get("values") or {}, table, ctx, path + ("values",)))
