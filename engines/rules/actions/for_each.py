"""`for_each: {table: tasks, where: {active: true}, if: "task.ends_on is None", as: task, do: [...]}`:
run the nested steps once for each record of `table` matching `where` (field = value, as in
`count()`) and `if` (an expression over the record, named by `as`), lowest id first, in the rule's
transaction. Inside, `task` is the record; steps may bind names with `as:` for the steps after them.
More than MAX_RECORDS matches fail the rule rather than run a loop nobody meant (narrow `where`)."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.matching import WHERE_SCHEMA, conditions, matching_ids
from engines.rules.actions.values import compile_values
from engines.rules.steps import run_steps

NAME = "for_each"
NESTS = True                    # its steps are the schema's rule_nested_step: no for_each inside for_each
MAX_RECORDS = 1000              # unless the step says `max:` (a campaign to a whole tier)
LIMIT = 100_000
SCHEMA = {"type": "object", "required": ["table", "as", "do"], "additionalProperties": False,
          "properties": {"table": {"type": "string"}, "where": WHERE_SCHEMA,
                         "if": {"type": "string", "maxLength": 2000,
                                "description": "a condition over each record (named by `as`)"},
                         "max": {"type": "integer", "minimum": 1, "maximum": LIMIT,
                                 "description": f"the most records it may run for (default {MAX_RECORDS})"},
                         "as": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$",
                                "description": "the name of the current record in the nested steps"},
                         "do": {"type": "array", "minItems": 1, "maxItems": 50,
                                "items": {"$ref": "#/$defs/rule_nested_step"}}}}


@dataclass(frozen=True)
class ForEach:
    table: str
    name: str
    where: dict
    condition: object
    steps: tuple
    most: int = MAX_RECORDS

    def run(self, rc):
        return self.each(rc, matching_ids(rc, self.table, conditions(rc, self.where), self.most + 1), run_steps)

    def each(self, rc, ids, steps_runner):
        """The nested steps for each of `ids` (those `where` matched) that `if` holds for, by
        `steps_runner` (engines/rules/steps.py's; the simulation's quick replay passes its own)."""
        if len(ids) > self.most:
            rc.fail(f"for_each over '{self.table}' matches more than {self.most} records; narrow `where` "
                    "(or raise its `max:`)")
        done = 0
        try:
            for record_id in ids:
                rc.variables[self.name] = rc.eval.view(self.table, rc.writer.get(self.table, record_id))
                if self.condition is not None and not rc.evaluate(self.condition):
                    continue
                steps_runner(self.steps, rc)
                done += 1
        finally:
            rc.variables.pop(self.name, None)
        return {"count": done}


def compile(value, ctx, path):
    table = value.get("table")
    if not ctx.known_table(table, path + ("table",)):
        return None
    name = value.get("as")
    if name in ("record", "old", "user", "event"):
        ctx.report(path + ("as",), f"'{name}' is taken; name the current record otherwise (e.g. the table's singular)")
        return None
    where = compile_values(value.get("where") or {}, table, ctx, path + ("where",))
    outer = ctx.names
    ctx.names = outer + (name,)        # the record and the nested steps' names exist only inside the loop
    try:
        condition = ctx.expression(value["if"], path + ("if",)) if "if" in value else None
        steps = ctx.steps(value.get("do") or [], path + ("do",))
    finally:
        ctx.names = outer
    return ForEach(table, name, where, condition, steps, value.get("max", MAX_RECORDS))

