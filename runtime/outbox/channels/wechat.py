"""`wechat`: a WeChat message through a gateway's HTTP API (TESSERA_WECHAT_*, see _provider.py).
The recipient is the member's openid; a template message's data goes in the payload."""
from runtime.outbox.channels._provider import provider_channel

CHANNEL = provider_channel(
    "wechat", "TESSERA_WECHAT",
    '{"touser": {{ recipient|tojson }}, "title": {{ subject|tojson }}, "text": {{ body|tojson }}, '
    '"data": {{ payload|tojson }}}',
    "WeChat through a gateway's HTTP API (TESSERA_WECHAT_*)")
