"""`webhook`: an HTTP POST of JSON to the recipient, which is the URL.

The body is the message's payload (or {"subject", "body"} when it has none), UTF-8 JSON. Headers:
X-Tessera-Signature `sha256=<hex HMAC-SHA256 of the body with the secret>`, X-Tessera-Message-Id
(the outbox row), X-Tessera-Idempotency-Key (when set: a receiver that sees it twice should act
once; a crash between sending and recording the success sends again). Any 2xx is delivered.

Settings (environment): TESSERA_WEBHOOK_SECRET (required: unsigned calls are not made),
TESSERA_WEBHOOK_TIMEOUT (seconds, default 10).
"""
from __future__ import annotations

from runtime.outbox.channels import Channel, Message, setting
from runtime.outbox.channels._http import post_json


def send(message: Message, env) -> None:
    secret = setting(env, "TESSERA_WEBHOOK_SECRET", channel="webhook")
    timeout = float(setting(env, "TESSERA_WEBHOOK_TIMEOUT", "10"))
    data = message.payload if message.payload is not None else {"subject": message.subject, "body": message.body}
    headers = {"X-Tessera-Message-Id": str(message.id)}
    if message.idempotency_key:
        headers["X-Tessera-Idempotency-Key"] = message.idempotency_key
    post_json(message.recipient, data, secret, timeout, headers)


CHANNEL = Channel("webhook", send, "HTTP POST of JSON to the recipient URL, HMAC-signed (TESSERA_WEBHOOK_*)")
