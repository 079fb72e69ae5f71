"""`notify: {to: =record.member.phone, channel: sms, body: ...}`: a message through the outbox (the
rules' notify action, same keys), then `next`."""
from __future__ import annotations

from engines.rules.actions import notify as action

NAME = "notify"
HUMAN = False
OUTCOMES = ("next",)
REQUIRED = ("next",)
SCHEMA = action.SCHEMA


def compile(value, ctx, path):
    return action.compile(value, ctx, path)
