"""Delivery channels, one module each: a module of this package that defines `CHANNEL` is a channel.

Adding a channel is one file (here) and one test: define `send(message, env)` that delivers or raises
(any exception: the dispatcher records it and retries), and `CHANNEL = Channel("name", send, "what")`.
`env` is the process environment (os.environ; a test passes a dict): secrets and provider settings
come from there only, never from a definition. Modules whose name starts with `_` are helpers.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

DEFAULT = "log"


class ChannelError(Exception):
    """A channel that cannot deliver: not configured, refused by the provider, unreachable."""


@dataclass(frozen=True)
class Message:
    """One outbox row as a channel sees it."""
    id: int
    app: str
    channel: str
    recipient: str
    subject: str = ""
    body: str = ""
    payload: Any = None
    idempotency_key: str | None = None
    rule: str | None = None
    record_table: str | None = None
    record_id: str | None = None


@dataclass(frozen=True)
class Channel:
    name: str
    send: Callable[[Message, Mapping[str, str]], None]
    description: str = ""


@functools.cache   # the modules do not change while the process runs; enqueue asks on every message
def channels() -> Mapping[str, Channel]:
    """Every channel, by name, found by looking at this package's modules (read-only)."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        channel = getattr(module, "CHANNEL", None)
        if isinstance(channel, Channel):
            found[channel.name] = channel
    return MappingProxyType(found)


def get_channel(name: str) -> Channel:
    known = channels()
    if name not in known:
        raise ChannelError(f"unknown channel '{name}' (known: {', '.join(sorted(known))})")
    return known[name]


def setting(env: Mapping[str, str], name: str, default: str | None = None, channel: str = "") -> str:
    """An environment setting, or ChannelError naming it when it is missing and has no default."""
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ChannelError(f"{channel or 'channel'} is not configured: set {name}")
    return default
