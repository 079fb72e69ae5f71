"""Chart results kept until a table they read is written.

One cache per installed app (held by its ReportRuntime, built with the app, so a new version of a
definition starts empty and nothing is shared between platforms). The runtime drops, after a write
commits, every result that read the written table (`drop`). A result
being computed while such a write commits is not stored (a generation number per table says so).
A result is also kept for at most `max_age` seconds: with several server processes, a write made
through another one is not seen here, so that is how long a dashboard can lag behind it.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

MAX_AGE = 30.0


class ResultCache:
    def __init__(self, max_entries: int = 500, max_age: float = MAX_AGE, clock=time.monotonic):
        self.max_entries, self.max_age, self.clock = max_entries, max_age, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()     # key -> (tables, value, stored at)
        self._generation: dict[str, int] = {}

    def generation(self, tables) -> tuple:
        with self._lock:
            return tuple(self._generation.get(t, 0) for t in sorted(tables))

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if self.clock() - found[2] > self.max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key, tables, value, generation) -> None:
        with self._lock:
            if tuple(self._generation.get(t, 0) for t in sorted(tables)) != generation:
                return                                  # written meanwhile: the value may be stale
            self._entries[key] = (frozenset(tables), value, self.clock())
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def drop(self, table: str) -> None:
        with self._lock:
            self._generation[table] = self._generation.get(table, 0) + 1
            for key in [k for k, (tables, _v, _at) in self._entries.items() if table in tables]:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
