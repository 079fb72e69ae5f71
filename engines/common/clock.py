"""The platform's clock: the real time, or a fixed moment while a simulation replays history.

A ContextVar, not a global: a simulation sets it for its own thread's context only, so the live
requests served beside it keep the real time. Every "now" of the write path (record stamps, audit,
run log, ledger, outbox, `today()`/`now()` in expressions, field defaults) reads it.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

# the fixed moment as (aware UTC, naive UTC): a write reads the naive one a dozen times per event
_FIXED: ContextVar[tuple | None] = ContextVar("tessera_clock", default=None)


def _moment(moment: dt.datetime) -> tuple:
    aware = moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)
    return aware, aware.replace(tzinfo=None)


def now(tz: dt.tzinfo = dt.timezone.utc) -> dt.datetime:
    """The aware time in `tz`: the fixed moment when one is set, else the real time."""
    fixed = _FIXED.get()
    return dt.datetime.now(tz) if fixed is None else fixed[0].astimezone(tz)


def utcnow_naive() -> dt.datetime:
    """Naive UTC, as every stored time."""
    fixed = _FIXED.get()
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) if fixed is None else fixed[1]


@contextmanager
def fixed_at(moment: dt.datetime):
    """Within the block, this context's clock reads `moment` (naive = UTC)."""
    token = _FIXED.set(_moment(moment))
    try:
        yield
    finally:
        _FIXED.reset(token)


@contextmanager
def stepped():
    """Within the block, `step(moment)` moves this context's clock (a replay steps it event by event);
    afterwards it reads what it read before."""
    token = _FIXED.set(_FIXED.get())

    def step(moment: dt.datetime) -> None:
        _FIXED.set(_moment(moment))

    try:
        yield step
    finally:
        _FIXED.reset(token)
