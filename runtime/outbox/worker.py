"""The in-process dispatcher: a background thread that delivers soon after a commit.

`tessera run` and each gunicorn worker start one (`start_worker(platform)`); the rules engine calls
`wake(platform)` after a unit of work that enqueued messages has committed, and the thread delivers
at once instead of at its next poll. Without a worker (tests, CLI commands, a process that only
writes) `wake` does nothing and the `outbox.deliver` job, or this thread's poll, picks the rows up.
The worker lives on the platform (`platform.outbox_worker`), not in a module global.
"""
from __future__ import annotations

import logging
import threading
from typing import Mapping

from runtime.outbox.dispatch import Dispatcher

log = logging.getLogger("tessera.outbox")
POLL = 30.0   # seconds between passes when nobody wakes the thread: retries that fall due


class OutboxWorker:
    def __init__(self, platform, env: Mapping[str, str] | None = None, poll: float = POLL):
        self.dispatcher = Dispatcher(platform, env)
        self.poll = poll
        self._wakeup = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tessera-outbox", daemon=True)
        self.passes = 0   # completed delivery passes: lets a test wait for one

    def start(self) -> "OutboxWorker":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the pass under way (if any) and end the thread."""
        self._stop.set()
        self._wakeup.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatcher.deliver_due()
            except Exception:   # the database away, say: logged; the next pass tries again
                log.exception("outbox delivery pass failed")
            self.passes += 1
            self._wakeup.wait(self.poll)
            self._wakeup.clear()


def start_worker(platform, env: Mapping[str, str] | None = None, poll: float = POLL) -> OutboxWorker:
    """Start the platform's outbox thread (once: a second call returns the running one)."""
    worker = getattr(platform, "outbox_worker", None)
    if worker is None:
        worker = platform.outbox_worker = OutboxWorker(platform, env, poll).start()
    return worker


def wake(platform) -> None:
    """Deliver soon: call after a transaction that enqueued messages has committed. Never raises."""
    worker = getattr(platform, "outbox_worker", None)
    if worker is not None:
        worker.wake()
