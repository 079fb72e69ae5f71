"""`notify: {channel: sms, to: =record.member.phone, subject: 积分到账, body: "{{ record.member.name }}，..."}`:
a message written to the outbox in the same transaction, delivered after the commit (a refused write
sends nothing; a failing provider never undoes the write). `subject` and `body` are Jinja templates
(sandboxed) over the rule's variables: record, old, user, event and earlier steps' results.
Channels: log (the default: the admins' Messages page), email, webhook, sms, wechat (docs/notifications.md).
`role: vip_service` (or `=record.queue`) instead of `to:` tells everyone holding that role of the app,
one message each, addressed to their username as a flow tells a task's assignees."""
from __future__ import annotations

from dataclasses import dataclass

from engines.common.templates import TemplateError, compile_template, render
from engines.rules.actions.values import compile_value

NAME = "notify"
TEXT = {"type": "string", "maxLength": 20000}
SCHEMA = {"type": "object", "required": ["body"], "additionalProperties": False,
          "oneOf": [{"required": ["to"]}, {"required": ["role"]}],
          "x-expected": "a message with `to:` (a recipient) or `role:` (everyone holding it), and a body",
          "properties": {"channel": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,30}$"},
                         "to": {"x-expected": "a recipient, or an expression starting with =", "type": "string"},
                         "role": {"x-expected": "a role of the app, or an expression starting with = giving one",
                                  "type": "string"},
                         "subject": TEXT, "body": TEXT,
                         "key": {"x-expected": "an idempotency key expression starting with =", "type": "string"}}}


@dataclass(frozen=True)
class Notify:
    channel: str
    to: object
    body: object
    subject: object = None
    key: object = None
    role: object = None
    roles: tuple = ()            # the app's roles: an expression's role must be one of them

    def run(self, rc):
        if self.role is not None:
            return self._to_role(rc)
        to = self.to.get(rc)
        if to in (None, ""):
            return None          # nobody to tell (a member without a phone): nothing to send, not an error
        return self._send(rc, str(to), None)

    def _to_role(self, rc):
        """One message per active holder of the role; the key (if any) is made per person."""
        role = self.role.get(rc)
        people = rc.writer.form.extensions.get("people")
        if role in (None, "") or people is None:
            return None          # no queue named, or an engine used alone: nobody to tell
        if role not in self.roles:
            rc.fail(f"notify: '{role}' is not a role of the app")
        conn = rc.writer.conn
        names = people.logins(conn, people.holding(conn, rc.writer.form.name, [role]))
        return [self._send(rc, name, name) for _uid, name in sorted(names.items())]

    def _send(self, rc, to: str, person: str | None):
        context = dict(rc.variables)
        try:
            subject = render(self.subject, context) if self.subject is not None else ""
            body = render(self.body, context)
        except TemplateError as exc:
            rc.fail(str(exc))
        key = self.key.get(rc) if self.key is not None else None
        if key is not None and person is not None:
            key = f"{key}:{person}"
        return rc.outbox().send(rc.writer, channel=self.channel, recipient=to, subject=subject, body=body,
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
    role = None
    if "role" in value:
        if not str(value["role"]).startswith("="):
            ctx.known_role(value["role"], path + ("role",))
        role = compile_value(value["role"], ctx, path + ("role",))
    return Notify(channel=value.get("channel", "log"), to=compile_value(value.get("to"), ctx, path + ("to",)),
                  key=compile_value(value["key"], ctx, path + ("key",)) if "key" in value else None, role=role, roles=tuple(ctx.roles),
                  **templates)

