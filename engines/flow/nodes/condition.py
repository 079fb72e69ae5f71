"""`condition: [{if: "record.points_cost > 20000", to: director}, {else: ship}]`: the first branch
whose condition holds is taken; `else` when none does. Each branch is an edge labelled by its
condition (or its `label`)."""
from __future__ import annotations

NAME = "condition"
HUMAN = False
OUTCOMES = None          # the branches are its edges
REQUIRED = ()
SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "object", "additionalProperties": False,
    "properties": {"if": {"type": "string", "maxLength": 2000}, "to": {"type": "string"},
                   "else": {"type": "string"}, "label": {"type": "string", "maxLength": 60}}}}


def edges(value) -> list[tuple[str, str, tuple]]:
    """(outcome, target, path of the target) per branch."""
    out = []
    for i, branch in enumerate(value or ()):
        if "else" in branch:
            out.append(("else", branch["else"], (i, "else")))
        elif "to" in branch:
            out.append((branch.get("label") or branch.get("if", ""), branch["to"], (i, "to")))
    return out


def compile(value, ctx, path):
    branches = []
    for i, branch in enumerate(value):
        if "else" in branch:
            if i != len(value) - 1:
                ctx.report(path + (i,), "`else` is the last branch")
            continue
        if "if" not in branch or "to" not in branch:
            ctx.report(path + (i,), "a branch is {if: condition, to: node}, or {else: node} last")
            continue
        branches.append(ctx.expression(branch["if"], path + (i, "if")))
    if not value or "else" not in value[-1]:
        ctx.report(path, "end the branches with {else: node}: a record none of them matches must go somewhere")
    return tuple(branches)
