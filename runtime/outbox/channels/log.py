"""`log`: the default channel. Delivers nowhere outside: the message is written to the log and stays
on the admins' Messages page (/_admin/messages), marked sent. For development and for notes that
only staff read."""
from __future__ import annotations

import logging

from runtime.outbox.channels import Channel, Message

log = logging.getLogger("tessera.outbox")


def send(message: Message, env) -> None:
    log.info("message %s to %s: %s %s", message.id, message.recipient, message.subject, message.body)


CHANNEL = Channel("log", send, "written to the log and the Messages page only")
