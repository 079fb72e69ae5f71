"""Helpers for the tests of the `pages:` screens: what a person reads on a page, and its forms."""
from __future__ import annotations

import html
import re

from tests.conftest import csrf_from


def text_of(page: str) -> str:
    """The page's words, as a person reads them (tags dropped, spaces squeezed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def section(page: str, heading: str) -> str:
    """The words of the page's component whose heading is `heading`."""
    for part in re.findall(r'<section class="screen-part.*?</section>', page, flags=re.S):
        found = re.search(r"<h2>(.*?)</h2>", part, flags=re.S)
        if found and text_of(found.group(1)).startswith(heading):
            return text_of(part)
    raise AssertionError(f"no part headed {heading!r} on the page")


def field_error(page: str, name: str) -> str:
    """The message shown next to the form field `name` ('' when none)."""
    found = re.search(rf'id="field-{name}".*?(?:<p class="field-error"[^>]*>(.*?)</p>|</div>\s*</div>)', page,
                      flags=re.S)
    assert found, f"no field {name} on the page"
    return text_of(found.group(1) or "")


def post_form(client, url: str, page: str, index: int, data: dict):
    """Submit the page's form component number `index` (its place in the page's components)."""
    return client.post(url, data={"csrf_token": csrf_from(page), "_component": str(index), **data})


def press(client, page: str, record_id: int, back: str):
    """Press a card's button on the page: the form posts to the rules engine's button URL."""
    action = re.search(rf'action="(/[^"]*/{record_id}/actions/[a-z_]+)"', page)
    assert action, f"no button for record {record_id}"
    return client.post(action.group(1), data={"csrf_token": csrf_from(page), "next": back})
