"""`task: {role: warehouse, require: [tracking_no], fields: [note]}` with `on: {complete: ..}`: a step
someone does and completes (the warehouse ships); the fields in `require` must be filled when
completing it, those in `fields` may be. The values are written to the record by the flow."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.problems import did_you_mean
from engines.flow.assignees import PROPERTIES, compile_assignees
from engines.flow.model import Assignees

NAME = "task"
HUMAN = True
OUTCOMES = ("complete", "timeout")
REQUIRED = ("complete",)
DECISIONS = ("complete",)
FIELDS = {"type": "array", "items": {"type": "string"}}
SCHEMA = {"type": "object", "additionalProperties": False,
          "properties": {**PROPERTIES, "require": FIELDS, "fields": FIELDS}}


@dataclass(frozen=True)
class Task:
    assignees: Assignees
    required: tuple = ()
    fields: tuple = ()          # every field the completion may set (required ones included)
    allow_creator: bool = True


def compile(value, ctx, path):
    assignees = compile_assignees(value, ctx, path)
    fields = ctx.tables[ctx.table].fields
    names = {}
    for key in ("require", "fields"):
        for i, name in enumerate(value.get(key) or ()):
            if name not in fields:
                ctx.report(path + (key, i), f"unknown field '{name}' of '{ctx.table}'{did_you_mean(name, fields)}")
            elif fields[name].type in ("formula", "lookup", "rollup", "auto_number"):
                ctx.report(path + (key, i), f"'{name}' is computed: a task cannot fill it in")
            else:
                names[name] = names.get(name) or key == "require"
    if assignees is None:
        return None
    return Task(assignees, required=tuple(n for n, r in names.items() if r), fields=tuple(names))
