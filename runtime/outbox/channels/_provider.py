"""A provider's HTTP API as a channel (SMS gateways, WeChat template messages): one URL, one secret,
and a payload template that turns a message into the JSON the provider expects.

Settings (environment), PREFIX being TESSERA_SMS or TESSERA_WECHAT: PREFIX_URL (required),
PREFIX_SECRET (required; the body is signed as for webhooks, X-Tessera-Signature), PREFIX_PAYLOAD
(a Jinja2 template, sandboxed, that must render JSON; names: recipient, subject, body, payload, app,
id; default: the channel's own), PREFIX_TIMEOUT (seconds, default 10).
"""
from __future__ import annotations

import json

from runtime.outbox.channels import Channel, ChannelError, Message, setting
from runtime.outbox.channels._http import post_json
from engines.common.templates import TemplateError, render_text


def provider_channel(name: str, prefix: str, default_payload: str, description: str) -> Channel:
    def send(message: Message, env) -> None:
        url = setting(env, f"{prefix}_URL", channel=name)
        secret = setting(env, f"{prefix}_SECRET", channel=name)
        timeout = float(setting(env, f"{prefix}_TIMEOUT", "10"))
        source = setting(env, f"{prefix}_PAYLOAD", default_payload)
        context = {"recipient": message.recipient, "subject": message.subject, "body": message.body,
                   "payload": message.payload or {}, "app": message.app, "id": message.id}
        try:
            data = json.loads(render_text(source, context, f"{prefix}_PAYLOAD"))
        except TemplateError as exc:
            raise ChannelError(str(exc)) from None
        except ValueError as exc:
            raise ChannelError(f"{prefix}_PAYLOAD does not render JSON: {exc}") from None
        post_json(url, data, secret, timeout, {"X-Tessera-Message-Id": str(message.id)})

    return Channel(name, send, description)
