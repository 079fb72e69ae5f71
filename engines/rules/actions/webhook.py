"""`webhook: {url: "https://erp.example.com/hooks/points", payload: {member: =record.member, points: =record.change}}`:
an HTTP POST of JSON, signed (docs/notifications.md), through the outbox: written in the same
transaction, delivered after the commit with retries."""
from __future__ import annotations

from dataclasses import dataclass

from engines.rules.actions.values import compile_value

NAME = "webhook"
SCHEMA = {"type": "object", "required": ["url"], "additionalProperties": False,
          "properties": {"url": {"type": "string", "pattern": "^(https?://|=)", "maxLength": 1000},
                         "payload": {"type": "object", "maxProperties": 200},
                         "key": {"type": "string"}}}


@dataclass(frozen=True)
class Webhook:
    url: object
    payload: dict
    key: object = None

    def run(self, rc):
        payload = {k: _json(v.get(rc)) for k, v in self.payload.items()}
        key = self.key.get(rc) if self.key is not None else None
        return rc.outbox().send(rc.writer, channel="webhook", recipient=str(self.url.get(rc)), payload=payload,
                                rule=rc.rule.name, record_table=rc.table, record_id=(rc.record or {}).get("id"),
                                idempotency_key=None if key is None else f"{rc.rule.name}:{key}")


def _json(value):
    """JSON-able: dates and decimals as text, as the API writes them."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def compile(value, ctx, path):
    payload = value.get("payload") or {}
    return Webhook(url=compile_value(value.get("url"), ctx, path + ("url",)),
                   payload={k: compile_value(v, ctx, path + ("payload", k)) for k, v in payload.items()},
                   key=compile_value(value["key"], ctx, path + ("key",)) if "key" in value else None)
