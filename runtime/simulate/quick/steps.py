"""A rule's steps in the quick replay: engines/rules/steps.py's run_steps, with the actions whose
writes the quick writer can make (set, increment, update, create, a ledger credit by post, for_each,
find_or_create). A `fail` that fires, or any other action, is a Deopt."""
from __future__ import annotations

from engines.expr import ExpressionError
from engines.expr.data import bind_where
from engines.rules.actions.for_each import ForEach
from engines.rules.actions.matching import conditions, matching_ids
from runtime.simulate.quick.errors import Deopt


def run_steps(steps, rc) -> None:
    for step in steps:
        if step.condition is not None and not rc.evaluate(step.condition):
            continue
        act = _ACTIONS.get(step.kind)
        if act is None:
            raise Deopt(f"the action {step.kind}")
        result = act(step.action, rc)
        rc.wrote(result, own=step.kind in ("set", "increment"))
        if step.bind:
            table = getattr(step.action, "table", None)
            rc.variables[step.bind] = rc.eval.view(table, result) if table and isinstance(result, dict) else result


def _own(action, rc):
    """set, increment and update run as they are: they read and write through rc.writer, the quick one."""
    return action.run(rc)


def _post(action, rc):
    key = action.key.get(rc) if action.key is not None else None
    return rc.writer.post(action.ledger, action.account.get(rc), action.amount.get(rc),
                          values={k: v.get(rc) for k, v in (action.values or {}).items()},
                          key=None if key is None else str(key),
                          expires=action.expires.get(rc) if action.expires is not None else None,
                          rule=rc.rule.name)


def _fail(action, rc):
    raise Deopt("a rule refuses the write")


def _for_each(action: ForEach, rc):
    """engines/rules/actions/for_each.py's run; its query (the tasks of an order, say) asked once per
    chunk of events, while nothing here writes the table."""
    overlay = rc.writer.quick.overlay
    if not overlay.untouched(action.table):
        raise Deopt(f"for_each over {action.table}, written in this batch")
    where = conditions(rc, action.where)
    key = repr(sorted(where.items()))
    found = overlay.found.setdefault(action.table, {})
    ids = found.get(key)
    if ids is None:
        ids = found[key] = matching_ids(rc, action.table, where, action.most + 1)
    return action.each(rc, ids, run_steps)


def _find_or_create(action, rc):
    """engines/rules/actions/find_or_create.py's run: the lowest id matching `where` in the scratch
    copy as last flushed, else among the records made here since, else a new one."""
    table, overlay = action.table, rc.writer.quick.overlay
    where = conditions(rc, action.where)
    try:
        shape, params = bind_where(rc.eval, "where", table, rc.writer.form.sql[table], where)
    except ExpressionError as exc:
        rc.fail(str(exc))
    mine = overlay.matching(table, shape, params)      # Deopt when a held row's `where` fields changed
    found = matching_ids(rc, table, where, 1, lock=True)
    if found:
        return rc.writer.get(table, found[0])
    if mine:
        return rc.writer.get(table, mine[0])
    return rc.writer.create(table, {**{k: v.get(rc) for k, v in action.values.items()}, **where})


_ACTIONS = {"set": _own, "increment": _own, "update": _own, "create": _own, "post": _post, "fail": _fail,
            "for_each": _for_each, "find_or_create": _find_or_create}
