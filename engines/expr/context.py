"""What one evaluation may use beyond its variables: the app, a connection, the zone, a random
source and a cache of loaded records. Passed in by the caller, never held in module state."""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from engines.expr.errors import ExpressionError
from engines.expr.functions import bound
from engines.expr.functions_dates import DEFAULT_ZONE
from engines.expr.records import RecordCache, RecordView


class EvalContext:
    """Make one per unit of work (an event and its rules, a scheduled sweep) and pass it to every
    `Expression.evaluate` of that unit: records loaded through links are cached in it.

    form: the FormApp (tables, sql, ftype, timezone) for links and data functions; optional.
    connection: the SQLAlchemy connection data functions and links read through.
    timezone: for today() and now(); defaults to the app's zone, else Asia/Shanghai.
    rng: a random.Random for random_choice (seed it in tests); a fresh unseeded one otherwise.
    rows: optional rows(table, ids) -> the rows (column -> value) among ids, for link targets: the
    record service's Writer passes its own, which serves rows its unit of work has already read.
    computed: optional computed(table, values, field) -> the value of a field that is not in the row
    (a rollup, a lookup, multi_link ids) of a record reached through a link; the Writer passes its own.
    """

    def __init__(self, form=None, connection=None, timezone: dt.tzinfo | str | None = None,
                 rng: random.Random | None = None, rows=None, computed=None):
        self.form, self.connection, self.rows, self.computed = form, connection, rows, computed
        zone = timezone or getattr(form, "timezone", None) or DEFAULT_ZONE
        self.timezone = ZoneInfo(zone) if isinstance(zone, str) else zone
        self._random = rng
        self.cache = RecordCache(self)
        self.functions = bound(self)

    @property
    def random(self) -> random.Random:
        """Made on first use: seeding a Random costs more than most evaluations that never draw."""
        if self._random is None:
            self._random = random.Random()
        return self._random

    def need_connection(self, what: str):
        if self.connection is None:
            raise ExpressionError(f"{what} needs a database connection, and none was given")
        return self.connection

    def view(self, table: str, values: dict) -> RecordView:
        """`values` (a record dict) as the `record`/`old` of an expression, links traversable."""
        if self.form is None:
            raise ExpressionError("record views need the app (EvalContext(form=...))")
        return self.cache.announce(table, values)

    def views(self, table: str, rows) -> list[RecordView]:
        """Views of many records at once; the first link followed loads all their targets in one query."""
        return [self.view(table, values) for values in rows]
