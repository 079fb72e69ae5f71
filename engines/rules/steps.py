"""Running a list of compiled steps (a rule's `do:`, or the nested `do:` of `for_each`): each step's own
`if:`, its action, then what later steps see (the rule's record after `set`/`increment`, `as:` names)."""
from __future__ import annotations


def run_steps(steps, rc) -> None:
    for step in steps:
        if step.condition is not None and not rc.evaluate(step.condition):
            continue
        result = step.action.run(rc)
        rc.wrote(result, own=step.kind in ("set", "increment"))
        if step.bind:
            table = getattr(step.action, "table", None)
            # a record result is bound as a view, so `progress.count` and links work in later steps
            rc.variables[step.bind] = rc.eval.view(table, result) if table and isinstance(result, dict) else result
