"""`email`: SMTP with smtplib. The recipient is an address; subject and body are plain UTF-8 text.

Settings (environment): TESSERA_SMTP_HOST (required), TESSERA_SMTP_PORT (25; 465 with SSL),
TESSERA_SMTP_FROM (required), TESSERA_SMTP_USER / TESSERA_SMTP_PASSWORD (log in when set),
TESSERA_SMTP_SECURITY (`starttls`, `ssl` or `none`; default starttls when a user is set, else none),
TESSERA_SMTP_TIMEOUT (seconds, default 20).
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from runtime.outbox.channels import Channel, ChannelError, Message, setting


def send(message: Message, env) -> None:
    host = setting(env, "TESSERA_SMTP_HOST", channel="email")
    sender = setting(env, "TESSERA_SMTP_FROM", channel="email")
    user = setting(env, "TESSERA_SMTP_USER", "")
    security = setting(env, "TESSERA_SMTP_SECURITY", "starttls" if user else "none").lower()
    if security not in ("starttls", "ssl", "none"):
        raise ChannelError(f"TESSERA_SMTP_SECURITY is '{security}': use starttls, ssl or none")
    port = int(setting(env, "TESSERA_SMTP_PORT", "465" if security == "ssl" else "25"))
    timeout = float(setting(env, "TESSERA_SMTP_TIMEOUT", "20"))

    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = message.recipient
    # a stable id per outbox row: a message sent twice (a crash between send and record) can be told apart
    mail["Message-ID"] = make_msgid(idstring=f"tessera-outbox-{message.id}")
    mail.set_content(message.body, charset="utf-8")

    smtp_class = smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP
    with smtp_class(host, port, timeout=timeout) as smtp:
        if security == "starttls":
            smtp.starttls()
        if user:
            smtp.login(user, setting(env, "TESSERA_SMTP_PASSWORD", ""))
        smtp.send_message(mail)


CHANNEL = Channel("email", send, "e-mail over SMTP (TESSERA_SMTP_*)")
