"""An external event's JSON as the expressions' `event`: `event.card_no` is None when the sender left
it out (tills send what they know), nested objects read the same way, lists stay lists."""
from __future__ import annotations


class Payload:
    __slots__ = ("_data",)

    def __init__(self, data: dict):
        self._data = data

    @staticmethod
    def of(value):
        if isinstance(value, dict):
            return Payload(value)
        if isinstance(value, list):
            return [Payload.of(v) for v in value]
        return value

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return Payload.of(self._data.get(name))

    def __getitem__(self, key):
        return Payload.of(self._data.get(key))

    def __contains__(self, key):
        return key in self._data

    def __bool__(self):
        return bool(self._data)

    def __repr__(self):
        return f"event {self._data!r}"
