"""The outbox as the rules engine sees it (form.extensions["outbox"]): send a message inside the
writer's transaction, and ask for delivery once that transaction has committed."""
from __future__ import annotations

from engines.common.labels import msg
from engines.form.errors import RecordError
from runtime.outbox.channels import ChannelError
from runtime.outbox.enqueue import enqueue
from runtime.outbox.worker import wake


class OutboxPort:
    def __init__(self, platform):
        self.platform = platform

    def send(self, writer, **message) -> int | None:
        try:
            message_id = enqueue(writer.conn, self.platform.system["outbox"], app=writer.form.name, **message)
        except (ChannelError, ValueError) as exc:     # a mistake in the definition: refuse, never drop
            raise RecordError(msg(f"cannot send the message: {exc}", f"无法发送消息：{exc}")) from None
        writer.after.on_commit(lambda: wake(self.platform))
        return message_id
