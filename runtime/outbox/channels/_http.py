"""POSTing signed JSON, for the webhook channel and the provider channels (SMS, WeChat)."""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

from runtime.outbox.channels import ChannelError

SIGNATURE_HEADER = "X-Tessera-Signature"
MAX_REPLY = 64 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # a redirect would turn the POST into a GET, or send the signed body somewhere unchecked
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def post_json(url: str, data, secret: str, timeout: float, headers: dict | None = None) -> bytes:
    """POST `data` as JSON, signed; the reply's body, or ChannelError (refused scheme, unreachable,
    timeout, an HTTP status other than 2xx) in one line."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelError(f"not an http(s) URL: '{url[:200]}'")
    body = encode(data)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Tessera-Outbox",
        SIGNATURE_HEADER: sign(secret, body), **(headers or {})})
    opener = urllib.request.build_opener(_NoRedirects)
    where = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    try:
        with opener.open(request, timeout=timeout) as reply:
            return reply.read(MAX_REPLY)
    except urllib.error.HTTPError as exc:
        text = " ".join(exc.read(300).decode("utf-8", "replace").split())
        raise ChannelError(f"HTTP {exc.code} from {where}" + (f": {text}" if text else "")) from None
    except urllib.error.URLError as exc:
        raise ChannelError(f"{where} unreachable: {exc.reason}") from None
    except TimeoutError:
        raise ChannelError(f"{where} did not answer within {timeout:g} s") from None
