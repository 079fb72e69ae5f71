"""`find_or_create: {table: task_progress, where: {member: =record.member, task: =task.id}, values: {count: 0}}`
(with `as: progress`): the first record (lowest id) matching `where`, locked for this transaction, or
else a new one made of `where` and `values`. For a row that counts something per key (a member's
progress on a task this month). `values` apply only to a new record.

Two concurrent first writes can both find nothing: on SQLite a unit of work holds the write lock
from its start, so they queue; on PostgreSQL give the table a unique index on the `where` fields
if duplicates must be impossible (the loser's write is then refused and can be retried)."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.matching import WHERE_SCHEMA, conditions, matching_ids
from engines.rules.actions.values import VALUES_SCHEMA, compile_values

NAME = "find_or_create"
SCHEMA = {"type": "object", "required": ["table", "where"], "additionalProperties": False,
          "properties": {"table": {"type": "string"}, "where": WHERE_SCHEMA, "values": VALUES_SCHEMA}}


@dataclass(frozen=True)
class FindOrCreate:
    table: str
    where: dict
    values: dict

    def run(self, rc):
        where = conditions(rc, self.where)
        found = matching_ids(rc, self.table, where, 1, lock=True)
        if found:
            return rc.writer.get(self.table, found[0])
        return rc.writer.create(self.table, {**{k: v.get(rc) for k, v in self.values.items()}, **where})


def compile(value, ctx, path):
    table = value.get("table")
    if not ctx.known_table(table, path + ("table",)):
        return None
    where = compile_values(value.get("where") or {}, table, ctx, path + ("where",))
    if not where:
        ctx.report(path + ("where",), "give at least one field = value to find the record by")
    return FindOrCreate(table, where, compile_values(value.get("values") or {}, table, ctx, path + ("values",)))
