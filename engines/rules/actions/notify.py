"""`notify: {channel: sms, to: =record.member.phone, subject: 积分到账, body: "{{ record.member.name }}，..."}`:
a message written to the outbox in the same transaction, delivered after the commit (a refused write
sends nothing; a failing provider never undoes the write). `subject` and `body` are Jinja templates
(sandboxed) over the rule's variables: record, old, user, event and earlier steps' results.
Channels: log (the default: the admins' Messages page), email, webhook, sms, wechat (docs/notifications.md)."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.templates import TemplateError, compile_template, render
from engines.rules.actions.values import compile_value

NAME = "notify"
TEXT = {"type": "string", "maxLength": 20000}
SCHEMA = {"type": "object", "required": ["to", "body"], "additionalProperties": False,
          "properties": {"channel": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,30}$"},
                         "to": {"x-expected": "a recipient, or an expression starting with =", "type": "string"},
                         "subject": TEXT, "body": TEXT,
                         "key": {"x-expected": "an idempotency key expression starting with =", "type": "string"}}}


@dataclass(frozen=True)
class Notify:
    channel: str
    to: object
    body: object
    subject: object = None
    key: object = None

    def run(self, rc):
        to = self.to.get(rc)
        if to in (None, ""):
            return None          # nobody to tell (a member without a phone): nothing to send, not an error
        context = dict(rc.variables)
        try:
            subject = render(self.subject, context) if self.subject is not None else ""
            body = render(self.body, context)
        except TemplateError as exc:
            rc.fail(str(exc))
        key = self.key.get(rc) if self.key is not None else None
        return rc.outbox().send(rc.writer, channel=self.channel, recipient=str(to), subject=subject, body=body,
                                rule=rc.rule.name, record_table=rc.table, record_id=(rc.record or {}).get("id"),
                                idempotency_key=None if key is None else f"{rc.rule.name}:{key}")


def compile(value, ctx, path):
    templates = {}
    for name in ("subject", "body"):
        if name in value:
            try:
                templates[name] = compile_template(value[name], ".".join(map(str, ("rules",) + path + (name,))))
            except TemplateError as exc:
                ctx.report(path + (name,), str(exc))
                return None
    return Notify(channel=value.get("channel", "log"), to=compile_value(value.get("to"), ctx, path + ("to",)),
                  key=compile_value(value["key"], ctx, path + ("key",)) if "key" in value else None, **templates)

