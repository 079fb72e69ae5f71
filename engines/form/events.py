"""Record events and their subscribers (rules and flows subscribe; the form engine emits), and the
callbacks subscribers leave for when the unit of work has ended."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class RecordEvent:
    kind: str                      # created | updated | deleted
    app: str
    table: str
    id: int
    old: Mapping[str, Any] | None  # None for created
    new: Mapping[str, Any] | None  # None for deleted
    actor: int | None
    source: str                    # page | api | rule | flow | import | scheduler | system
    changed: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class RecordsCreated:
    """Many records created at once by a bulk insert (an import's chunk): one event for them all, so a
    subscriber does its work once per chunk (the audit log writes one entry). Rules never see it: the
    bulk path runs only with rules off."""
    app: str
    table: str
    ids: tuple                     # the new records' ids, ascending
    actor: int | None
    source: str
    at: Any = None                 # when they were written (their created_at, naive UTC)
    kind: str = "created_many"
    note: Mapping[str, Any] = field(default_factory=dict)   # e.g. the import job and its file rows


Subscriber = Callable[[RecordEvent, Any], None]  # (event, writer bound to the same transaction)


class Subscribers:
    """The subscribers of one app, held by its runtime (no module-level registry)."""

    def __init__(self):
        self._subs: list[tuple[str | None, Subscriber]] = []

    def add(self, subscriber: Subscriber, table: str | None = None) -> None:
        self._subs.append((table, subscriber))

    def for_table(self, table: str):
        return [s for t, s in self._subs if t is None or t == table]


class After:
    """Callbacks for when a unit of work has ended: on_commit() and on_rollback(exc) run outside the
    transaction (so they may open their own), and a failing callback never undoes what happened.
    `conn`: the connection of the longer transaction when the unit of work was a savepoint of it
    (RecordService.savepoint_of): what is written after a rollback goes there."""

    def __init__(self, conn=None):
        self.conn = conn
        self._commit, self._rollback = [], []

    def on_commit(self, fn) -> None:
        self._commit.append(fn)

    def on_rollback(self, fn) -> None:
        self._rollback.append(fn)

    def committed(self) -> None:
        self._run(self._commit)

    def rolled_back(self, exc) -> None:
        self._run(self._rollback, exc)

    @staticmethod
    def _run(callbacks, *args):
        for fn in callbacks:
            try:
                fn(*args)
            except Exception:       # noqa: BLE001 - logged; the unit of work's outcome stands
                logging.getLogger("tessera.records").exception("an after-transaction callback failed")
