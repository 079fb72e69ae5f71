"""`sms`: a text message through the SMS provider's HTTP API (TESSERA_SMS_*, see _provider.py).
The recipient is the phone number; the body is the text."""
from runtime.outbox.channels._provider import provider_channel

CHANNEL = provider_channel("sms", "TESSERA_SMS", '{"to": {{ recipient|tojson }}, "text": {{ body|tojson }}}',
                           "SMS through the provider's HTTP API (TESSERA_SMS_*)")
