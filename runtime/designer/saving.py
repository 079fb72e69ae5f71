"""What the designer's two pages do with a new definition text: check it, and save it.

Both pages end here. A save is refused, with nothing written, when the file changed since the page
read it (the answer carries the diff), when the text does not build (the errors, placed at their
table, field and key), or when the migration removes something and the admin has not confirmed it
(the plan). Otherwise the reloader writes the file and swaps the running app, under its lock and
after checking once more that the file is still the one the page started from.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from runtime.designer import checking, roundtrip


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def opened(platform, name: str) -> dict:
    """What a page starts from: the file's text, its digest, and its own tables (not included ones)."""
    source = platform.apps[name].app.source
    text = checking.read(source)
    try:
        tables = roundtrip.load(text).get("tables") or {}
        designed, problem = {n: roundtrip.plain(spec) for n, spec in tables.items()}, None
        roundtrip.apply(text, designed, editable=set(designed))    # a layout it cannot splice says so now
    except roundtrip.CannotEdit as exc:
        designed, problem = {}, str(exc)
    return {"text": text, "digest": checking.digest(text), "tables": designed, "file": os.path.basename(source),
            "cannot_edit": problem}


def designed_text(tables: dict, started: str) -> tuple[str | None, Answer | None]:
    """The file as the designed `tables` make it, from the text the page was opened on."""
    if not isinstance(tables, dict) or not all(_is_table(spec) for spec in tables.values()):
        return None, Answer(400, {"ok": False, "message": "tables: expected {table: {fields: {...}}}"})
    try:
        editable = set(roundtrip.load(started).get("tables") or {})
        return roundtrip.apply(started, tables, editable=editable | set(tables)), None
    except roundtrip.CannotEdit as exc:
        return None, Answer(422, {"ok": False, "message": str(exc), "errors": []})


def check(platform, name: str, text: str, with_plan: bool = True) -> Answer:
    checked = checking.check(platform, name, text, with_plan=with_plan)
    return Answer(200 if checked.ok else 422, checked.as_json())


def save(platform, reloader, name: str, text: str, started_text: str, confirmed: bool) -> Answer:
    """Write `text` as app `name`'s definition, if the file is still `started_text` (what the page
    was opened on), the text builds, and a removal is `confirmed`."""
    source = platform.apps[name].app.source
    started_digest = checking.digest(started_text)
    stale = _conflict(source, started_digest, started_text)
    if stale is not None:
        return stale
    if text == started_text:
        return Answer(200, {"ok": True, "saved": False, "unchanged": True, "plan": [], "errors": [],
                            "digest": started_digest, "text": started_text})
    checked = checking.check(platform, name, text)
    if not checked.ok:
        return Answer(422, checked.as_json())
    if checked.needs_confirm and not confirmed:
        return Answer(409, {**checked.as_json(), "saved": False})
    outcome = reloader.upload(name, text.encode("utf-8"), os.path.basename(source), allow_destructive=confirmed,
                              still=lambda: checking.digest(checking.read(source)) == started_digest)
    if not outcome.ok:
        stale = _conflict(source, started_digest, started_text)
        if stale is not None:           # another save won the race between our check and the lock
            return stale
        return Answer(422, {"ok": False, "saved": False, "message": outcome.message, "plan": list(outcome.lines),
                            "errors": [{"text": e, "table": None, "field": None, "key": None, "line": None}
                                       for e in outcome.errors]})
    now = checking.read(source)      # the page goes on from the file as written
    return Answer(200, {"ok": True, "saved": True, "message": outcome.message, "plan": list(outcome.lines),
                        "digest": checking.digest(now), "text": now})


def _conflict(source: str, started_digest: str, started_text: str) -> Answer | None:
    on_disk = checking.read(source)
    if checking.digest(on_disk) == started_digest:
        return None
    diff = checking.conflict_diff(started_text, on_disk, source)
    return Answer(409, {"ok": False, "saved": False, "conflict": True, "diff": diff,
                        "digest": checking.digest(on_disk)})


def _is_table(spec) -> bool:
    return isinstance(spec, dict) and isinstance(spec.get("fields"), dict) and \
        all(isinstance(f, dict) for f in spec["fields"].values())
