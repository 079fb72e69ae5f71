"""The function table of the language: pure functions, plus those bound to an evaluation context
(the time zone for today/now, the random source, the database for lookup/count/sum/exists).
Each function's documentation is in its own module and in docs/expressions.md."""
from __future__ import annotations

import random
from functools import partial
from types import MappingProxyType
from zoneinfo import ZoneInfo

from engines.expr import data
from engines.expr import functions_dates as dates
from engines.expr import functions_math as num
from engines.expr import functions_text as text
from engines.expr.errors import ExpressionError

PURE = MappingProxyType({
    # numbers
    "floor": num.floor, "ceil": num.ceil, "round": num.round_, "min": num.min_, "max": num.max_,
    "abs": num.abs_, "int": num.to_int, "decimal": num.to_decimal,
    # dates
    "days": dates.days, "hours": dates.hours, "year": dates.year, "month": dates.month, "day": dates.day,
    "weekday": dates.weekday, "days_between": dates.days_between, "date_diff": dates.date_diff,
    "add_days": dates.add_days, "add_months": dates.add_months,
    "same_month_day": dates.same_month_day,
    # text
    "len": text.len_, "upper": text.upper, "lower": text.lower, "strip": text.strip,
    "trim": text.strip, "contains": text.contains, "startswith": text.startswith,
    "endswith": text.endswith, "left": text.left, "right": text.right, "concat": text.concat,
    "str": text.to_text, "money": text.money, "coalesce": text.coalesce,
})

CONTEXTUAL = frozenset({"today", "now", "random_choice", *data.DATA_FUNCTIONS})
NAMES = frozenset(PURE) | CONTEXTUAL      # every function a definition may call


def bound(ctx) -> MappingProxyType:
    """The full table for one evaluation context."""
    return MappingProxyType({
        **PURE,
        "today": partial(dates.today, ctx.timezone), "now": partial(dates.now, ctx.timezone),
        "random_choice": partial(_random_choice, ctx),
        "lookup": partial(data.lookup, ctx), "count": partial(data.count, ctx),
        "sum": partial(data.sum_, ctx), "exists": partial(data.exists, ctx),
    })


def _random_choice(ctx, options, weights=None):
    return num.random_choice(ctx.random, options, weights)


def _no_context(name):
    def refuse(*args, **kwargs):
        raise ExpressionError(f"{name}() reads the app's tables and is not available here")
    return refuse


def _any_random(options, weights=None):
    return num.random_choice(random.Random(), options, weights)


# for evaluations without a context (a formula on save): default zone, unseeded, no database
STANDALONE = MappingProxyType({
    **PURE,
    "today": partial(dates.today, ZoneInfo(dates.DEFAULT_ZONE)),
    "now": partial(dates.now, ZoneInfo(dates.DEFAULT_ZONE)),
    "random_choice": _any_random, **{name: _no_context(name) for name in data.DATA_FUNCTIONS},
})
