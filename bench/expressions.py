"""Condition evaluations per second: a compiled expression against a plain Python lambda.

The condition is a typical rule's `if`: record.status == 'completed' and record.amount >= 100,
evaluated on a plain record dict and on a RecordView (what the rules engine passes, so links can
be followed); simpleeval's tree walk of the same tree is shown for scale. Goal: the expression
within 5x of the lambda. Runs alternate in short rounds so that background load hits all alike;
prints the median rate of each and the ratio.
"""
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.expr import EvalContext, Expression, compile_expression  # noqa: E402

SOURCE = "record.status == 'completed' and record.amount >= 100"
ROUNDS, N = 7, 50_000
GOAL = 5


class _Form:
    """Just enough of a FormApp for a RecordView of a table without links."""
    timezone = None

    class _Table:
        fields = {}
    tables = {"orders": _Table()}


def rate_lambda(fn, rows) -> float:
    start = time.perf_counter()
    for r in rows:
        fn(r)
    return len(rows) / (time.perf_counter() - start)


def rate_expression(expression, variables, context) -> float:
    # the rules engine builds one variables mapping per event and evaluates its rules' conditions
    evaluate = expression.evaluate
    start = time.perf_counter()
    for v in variables:
        evaluate(v, context=context)
    return len(variables) / (time.perf_counter() - start)


def main():
    expression = compile_expression(SOURCE, {"record": {"status": {}, "amount": {}}})
    context = EvalContext(form=_Form())
    rows = [{"id": i, "status": ("completed", "pending")[i % 2], "amount": Decimal(50 + i % 200)}
            for i in range(N)]
    by_dict = [{"record": r} for r in rows]
    by_view = [{"record": v} for v in context.views("orders", rows)]
    plain = lambda r: r["status"] == "completed" and r["amount"] >= 100  # noqa: E731
    expected = [plain(r) for r in rows[:100]]
    assert expected == [expression.evaluate(v, context=context) for v in by_dict[:100]]
    assert expected == [expression.evaluate(v, context=context) for v in by_view[:100]]
    walked = Expression(source=expression.source, tree=expression.tree)   # simpleeval's walk, for scale
    runs = {"lambda": [], "expression (dict)": [], "expression (RecordView)": [],
            "simpleeval walk (dict)": []}
    for _ in range(ROUNDS):
        runs["lambda"].append(rate_lambda(plain, rows))
        runs["expression (dict)"].append(rate_expression(expression, by_dict, context))
        runs["expression (RecordView)"].append(rate_expression(expression, by_view, context))
        runs["simpleeval walk (dict)"].append(rate_expression(walked, by_dict[:N // 10], context))
    base = statistics.median(runs["lambda"])
    print(f"condition: {SOURCE}")
    for name, rates in runs.items():
        median = statistics.median(rates)
        print(f"{name:26} {median:>12,.0f} evaluations/s   {base / median:5.1f}x the lambda's time"
              + (f"   (goal within {GOAL}x)" if name.startswith("expression") else ""))


if __name__ == "__main__":
    main()
