"""The compiler driver: load (with includes), validate against the schema, run engine compile steps."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from builder import schema
from builder.errors import BuildError, Mark
from builder.loader import LoadFailed, Marks, load_text, read_file
from builder.model import App
from builder.route_names import check_route_names
from engines.common.labels import Label
from engines.flow.compile import check_starts, compile_flows
from engines.form.compile import compile_tables
from engines.form.ledger.definition import compile_ledgers
from engines.form.permissions import compile_permissions
from engines.form.registration import compile_registration
from engines.form.screens.compile import compile_pages
from engines.report.compile import compile_reports
from engines.rules.compile import compile_rules

DEFAULT_TIMEZONE = "Asia/Shanghai"
MERGEABLE = ("tables", "datasets", "dashboards", "pages")   # sections an included file may contribute to
LISTS = ("roles",)
MAX_FILES = 200           # the root file and everything it includes


def _capped(errors: list[BuildError]) -> list[BuildError]:
    """The first MAX_ERRORS errors of one definition by position, and a note when there are more."""
    errors = sorted(errors, key=BuildError.sort_key)
    if len(errors) <= schema.MAX_ERRORS:
        return errors
    shown = errors[:schema.MAX_ERRORS]
    return shown + [BuildError(errors[schema.MAX_ERRORS].mark, (),
                               f"more errors not shown (only the first {schema.MAX_ERRORS} are); "
                               "fix these first")]


class BuildFailed(Exception):
    def __init__(self, errors: list[BuildError]):
        self.errors = sorted(errors, key=BuildError.sort_key)
        super().__init__("\n".join(map(str, self.errors)))


def compile_files(paths) -> list[App]:
    """Compile several definitions; collect the errors of all of them before failing."""
    apps, errors = [], []
    for p in paths:
        try:
            apps.append(compile_app(p))
        except BuildFailed as exc:
            errors.extend(exc.errors)
    names = {}
    for app in apps:
        if app.name in names:
            errors.append(BuildError(Mark(app.source, 1, 1), ("app",),
                                     f"app name '{app.name}' is also used by {names[app.name]}"))
        names[app.name] = app.source
    if errors:
        raise BuildFailed(errors)
    return apps


def compile_app(path) -> App:
    path = _display(path)
    errors: list[BuildError] = []
    digest = hashlib.sha256()
    data, marks, files = _load_with_includes(path, errors, digest, stack=(),
                                             seen={os.path.realpath(path): None})
    if data is None:
        raise BuildFailed(_capped(errors))
    schema_errors = schema.check(data, marks)
    errors.extend(schema_errors)

    def report(p, message, at_key=False):
        errors.append(BuildError(marks.at(tuple(p), at_key), tuple(p), message))

    # the engines' checks run even after schema errors, on what the schema check did not refuse,
    # so one build reports every problem of the definition
    timezone = data.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(timezone, str):
        timezone = DEFAULT_TIMEZONE         # reported by the schema check
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        shown = timezone if len(timezone) <= 60 else timezone[:57] + "..."
        report(("timezone",), f"unknown time zone '{shown}' (use an IANA name such as 'Asia/Shanghai')")
        timezone = DEFAULT_TIMEZONE         # one error, not one more per date field
    invalid = frozenset(e.path for e in schema_errors)
    tables = compile_tables(data.get("tables", {}), report, timezone, invalid=invalid)
    check_route_names(tables, report)
    roles = tuple(r for r in data.get("roles", ()) if isinstance(r, str)) if isinstance(data.get("roles"), list) else ()
    profile = data.get("user_profile") if isinstance(data.get("user_profile"), str) else None
    tables = compile_permissions(data.get("tables", {}), tables, roles, profile, report, invalid)
    tables = compile_ledgers(data.get("tables", {}), tables, report, invalid)
    signup = compile_registration(data.get("registration"), tables, roles, report)
    rules = compile_rules(data.get("rules"), tables, roles, report, invalid)
    flows = compile_flows(data.get("flows"), tables, roles, report, invalid)
    check_starts(rules, flows, report)
    reports = compile_reports(data.get("datasets"), data.get("dashboards"), tables, roles, report, invalid)
    pages = compile_pages(data.get("pages"), tables, roles, profile, rules, reports, report, invalid)
    if errors:
        raise BuildFailed(_capped(errors))
    return App(
        name=data["app"], title=Label.of(data.get("title"), data["app"]),
        description=Label.of(data["description"]) if "description" in data else None,
        version=str(data.get("version", "1")), timezone=timezone,
        roles=roles, tables=MappingProxyType(tables), user_profile=profile, registration=signup, rules=rules,
        reports=reports, flows=flows, pages=pages,
        source=path, files=tuple(files), definition_hash=digest.hexdigest(),
    )


def _display(path) -> str:
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p) if rel.startswith("..") else rel


def _load_with_includes(path, errors, digest, stack, seen):
    """Load `path` and merge its includes; report missing files, cycles and clashes.

    `seen`: real path -> where it was first included, for the whole build. A file is loaded once:
    including it twice would only define its tables twice, and a chain of files each including
    the next one twice would load the last one 2**n times."""
    try:
        raw = read_file(path, path)
        digest.update(raw)
        data, marks = load_text(raw, path)
    except LoadFailed as exc:
        errors.extend(exc.errors)
        return None, None, []
    files = [path]
    if not isinstance(data, dict):
        errors.append(BuildError(marks.at(()), (), "a definition must be a mapping (key: value) at the top"))
        return None, None, files
    includes = data.pop("include", [])
    if not isinstance(includes, list):
        errors.append(BuildError(marks.at(("include",)), ("include",), "expected a list of file names"))
        return data, marks, files
    here = Path(path).parent
    for i, rel in enumerate(includes):
        where = marks.at(("include", i))
        if not isinstance(rel, str):
            errors.append(BuildError(where, ("include", i), "expected a file name"))
            continue
        target = _display(here / rel)
        root = os.path.dirname(next(iter(seen)))  # the main definition's folder
        if not os.path.realpath(target).startswith(root + os.sep):
            errors.append(BuildError(where, ("include", i),
                                     f"'{rel}' is outside the folder of the main definition; "
                                     "included files must sit in it or below it"))
            continue
        if os.path.realpath(target) in stack or os.path.realpath(target) == os.path.realpath(path):
            chain = " -> ".join([*(os.path.relpath(s) for s in stack), path, target])
            errors.append(BuildError(where, ("include", i), f"include cycle: {chain}"))
            continue
        if not Path(target).is_file():
            errors.append(BuildError(where, ("include", i), f"included file '{rel}' not found"))
            continue
        real = os.path.realpath(target)
        if real in seen:
            errors.append(BuildError(where, ("include", i),
                                     f"'{rel}' is already included (at {seen[real]})"))
            continue
        if len(seen) >= MAX_FILES:
            errors.append(BuildError(where, ("include", i),
                                     f"an app may consist of at most {MAX_FILES} files"))
            continue
        seen[real] = where
        sub, sub_marks, sub_files = _load_with_includes(
            target, errors, digest, stack + (os.path.realpath(path),), seen)
        if sub is None:
            continue
        files.extend(sub_files)
        _merge(data, marks, sub, sub_marks, errors)
    return data, marks, files


def _merge(data, marks: Marks, sub, sub_marks: Marks, errors):
    for key, value in sub.items():
        if key in MERGEABLE and isinstance(value, dict):
            target = data.setdefault(key, {})
            if not isinstance(target, dict):
                continue
            for name, spec in value.items():
                if name in target:
                    first = marks.at((key, name), at_key=True)
                    errors.append(BuildError(sub_marks.at((key, name), at_key=True), (key, name),
                                             f"'{name}' is already defined at {first}"))
                    continue
                target[name] = spec
            marks.values.update({p: m for p, m in sub_marks.values.items() if p and p[0] == key and len(p) > 1})
            marks.keys.update({p: m for p, m in sub_marks.keys.items() if p and p[0] == key and len(p) > 1})
        elif key in LISTS and isinstance(value, list):
            base = data.setdefault(key, [])
            for i, item in enumerate(value):
                if item not in base:
                    base.append(item)
                    marks.values[(key, len(base) - 1)] = sub_marks.at((key, i))
        else:
            errors.append(BuildError(sub_marks.at((key,), at_key=True), (key,),
                                     f"an included file may only contribute {', '.join(MERGEABLE + LISTS)}; "
                                     f"put '{key}' in the main file"))
