"""`create: {table: coupons, values: {member: =record.member, face_value: 20}}` (with `as: coupon`, a
later step can use `coupon.id`): a new record in any table of the app, in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.values import VALUES_SCHEMA, compile_values

NAME = "create"
SCHEMA = {"type": "object", "required": ["table"], "additionalProperties": False,
          "properties": {"table": {"type": "string"}, "values": VALUES_SCHEMA}}


@dataclass(frozen=True)
class Create:
    table: str
    values: dict

    def run(self, rc):
        return rc.writer.create(self.table, {k: v.get(rc) for k, v in self.values.items()})


def compile(value, ctx, path):
    table = value.get("table")
    if not ctx.known_table(table, path + ("table",)):
        return None
    return Create(table, compile_values(value.get("values") or {}, table, ctx, path + ("values",)))
