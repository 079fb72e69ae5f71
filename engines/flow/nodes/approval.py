"""`approval: {role: operator, mode: any, allow_creator: false}` with `on: {approve: .., reject: ..}`:
the assignees approve or reject, with a comment. Any-of: the first decision settles it; all-of
(countersign): every assignee approves, one rejection rejects. The record's creator may not decide
it unless `allow_creator: true`."""
from __future__ import annotations

from dataclasses import dataclass

from engines.flow.assignees import PROPERTIES, compile_assignees
from engines.flow.model import Assignees

NAME = "approval"
HUMAN = True
OUTCOMES = ("approve", "reject", "timeout")
REQUIRED = ("approve", "reject")
DECISIONS = ("approve", "reject")
SCHEMA = {"type": "object", "additionalProperties": False,
          "properties": {**PROPERTIES, "allow_creator": {"type": "boolean"}}}


@dataclass(frozen=True)
class Approval:
    assignees: Assignees
    allow_creator: bool = False
    fields: tuple = ()
    required: tuple = ()


def compile(value, ctx, path):
    assignees = compile_assignees(value, ctx, path)
    return None if assignees is None else Approval(assignees, bool(value.get("allow_creator", False)))
