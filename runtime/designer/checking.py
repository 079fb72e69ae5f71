"""A new text of an app's definition file, checked as the running server would take it: built by the
builder from a temporary file beside the real one (includes resolve from the same folder), each error
mapped back to the table, field and key it is about, and, when it builds, the migration plan.

Also the file's version check: the hash the page started from against the file on disk, and the
unified diff an admin is shown when another save came first."""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field

from builder import BuildFailed, compile_app
from engines.common.problems import render_path
from runtime import lifecycle


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def conflict_diff(started_from: str, on_disk: str, path: str) -> str:
    """What changed in the file since the page was opened, as `diff -u` would say it."""
    name = os.path.basename(path)
    return "".join(difflib.unified_diff(started_from.splitlines(keepends=True), on_disk.splitlines(keepends=True),
                                        fromfile=f"{name} (when you opened it)", tofile=f"{name} (now on disk)"))


def error_place(error, tmp: str, source: str) -> dict:
    """A builder error as the pages show it: where (file, line, column) and what it is about
    (`tables.members.fields.phone.max_length` -> table members, field phone, key max_length)."""
    path = error.mark.file
    shown = source if os.path.realpath(path) == os.path.realpath(tmp) else path
    parts = tuple(error.path)
    table = parts[1] if len(parts) > 1 and parts[0] == "tables" else None
    fname = parts[3] if table is not None and len(parts) > 3 and parts[2] == "fields" else None
    key = parts[4] if fname is not None and len(parts) > 4 else None
    where = render_path(parts)
    return {"file": os.path.basename(shown), "in_this_file": shown == source, "line": error.mark.line,
            "column": error.mark.column, "path": where, "table": table, "field": fname,
            "key": key if isinstance(key, str) else None, "message": error.message,
            "text": f"{os.path.basename(shown)}:{error.mark.line}:{error.mark.column}: "
                    f"{where + ': ' if where else ''}{error.message}"}


@dataclass
class Checked:
    errors: list[dict] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    needs_confirm: bool = False
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict:
        return {"ok": self.ok, "errors": self.errors, "plan": self.plan, "needs_confirm": self.needs_confirm,
                "unchanged": self.unchanged}


def check(platform, name: str, text: str, with_plan: bool = True) -> Checked:
    """Build `text` as the new definition of served app `name`; nothing is written or migrated."""
    inst = platform.apps[name]
    source = inst.app.source
    folder = os.path.dirname(os.path.abspath(source))
    fd, tmp = tempfile.mkstemp(prefix=".designer-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        try:
            app = compile_app(tmp)
        except BuildFailed as exc:
            return Checked(errors=[error_place(e, tmp, source) for e in exc.errors])
    finally:
        os.remove(tmp)
    if app.name != name:
        return Checked(errors=[{"file": os.path.basename(source), "in_this_file": True, "line": 1, "column": 1,
                                "path": "app", "table": None, "field": None, "key": None,
                                "message": f"the definition is of app '{app.name}', not '{name}'",
                                "text": f"app: the definition is of app '{app.name}', not '{name}'"}])
    if not with_plan:
        return Checked()
    if app.definition_hash == inst.app.definition_hash:
        return Checked(unchanged=True)
    app = dataclasses.replace(app, source=source, files=(source, *app.files[1:]))
    plan = lifecycle.plan(platform, platform.build(app, fresh=True))
    return Checked(plan=plan.lines(allow_destructive=True), needs_confirm=bool(plan.needing_consent()))
