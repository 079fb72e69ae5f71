"""KPIs over a dataset of task progress (one row per member and task taken up, with the time it was
completed, empty while it is not). The dataset's `time:` is when the task was taken up (say
`created_at`), so a period's figures are about the tasks taken up in it.

- tasks_completed: how many of them are completed (`completed:`, default `completed_at`, is set).
- task_completion_rate: the share of them that are completed.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.report.kpis._base import Kpi
from engines.report.measures import when

_PARAMS = {"completed": "time"}
_DEFAULTS = {"completed": "completed_at"}


def _completed(values, frame, cond, params):
    return sa.func.count(when(frame.column(values["completed"]), cond))


def _rate(values, frame, cond, params):
    taken = sa.func.count() if cond is None else sa.func.count(when(sa.literal(1), cond))
    return sa.cast(_completed(values, frame, cond, params), sa.Float) / sa.func.nullif(sa.cast(taken, sa.Float), 0)


KPIS = {
    "tasks_completed": Kpi("tasks_completed", _PARAMS, _completed, defaults=_DEFAULTS),
    "task_completion_rate": Kpi("task_completion_rate", _PARAMS, _rate, format="percent", scale=100,
                                defaults=_DEFAULTS),
}
