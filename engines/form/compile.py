"""Compile the `tables` section into frozen Table/Field models, reporting every problem found."""
from __future__ import annotations

import re
from dataclasses import replace
from types import MappingProxyType
from typing import Callable

from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS as PG_RESERVED
from sqlalchemy.dialects.sqlite.base import SQLiteIdentifierPreparer

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.expr import compile_expression
from engines.form.definition_schema import NAME
from engines.form.fields import CompileContext, FieldError, field_types
from engines.form.model import SYSTEM_COLUMNS, Field, Option, Table

RESERVED = frozenset(PG_RESERVED) | frozenset(SQLiteIdentifierPreparer.reserved_words)
COMMON_KEYS = {"type", "label", "help", "required", "unique", "readonly", "index", "default",
               "min", "max", "max_length", "pattern", "options", "renamed_from", "demo"}
TITLE_TYPES = ("text", "auto_number", "phone", "email", "barcode")
NAME_RE = re.compile(NAME)

Report = Callable[..., None]  # (path, message, at_key=False)


def compile_tables(raw: dict, report: Report, timezone: str = "Asia/Shanghai",
                   invalid: frozenset = frozenset()) -> dict[str, Table]:
    """`invalid`: paths the schema check already reported. The tables are still checked so that
    one build shows every problem, but a field whose spec has a schema error is only known by
    name (its spec is not trusted), and a table that is not even shaped like one is skipped."""
    if not isinstance(raw, dict):
        return {}
    invalid = frozenset(p[:i] for p in invalid for i in range(len(p) + 1))  # and their ancestors
    raw_tables = _well_shaped(raw)
    tables = {}
    for tname, tspec in raw.items():
        path = ("tables", tname)
        if not (isinstance(tname, str) and NAME_RE.match(tname)):
            continue                       # reported by the schema check
        if tname in RESERVED:
            report(path, f"'{tname}' is a reserved SQL word; choose another name such as '{tname}s'", True)
        if not isinstance(tspec, dict) or not isinstance(tspec.get("fields"), dict):
            continue                       # reported by the schema check
        tables[tname] = _table(tname, tspec, raw_tables, path, report, timezone, invalid)
    _check_renames({n: t.renamed_from for n, t in tables.items()}, ("tables",), "table", report)
    return tables


def _check_renames(hints: dict, path: tuple, what: str, report: Report) -> None:
    """A `renamed_from` hint names a former name: not one still in use, and not claimed twice."""
    claimed = {}
    for name, old in hints.items():
        if old is None:
            continue
        where = path + (name, "renamed_from")
        if old in hints:
            report(where, f"'{old}' is still a {what} of this definition; renamed_from names the "
                          f"{what}'s former name, which no longer exists")
        elif old in claimed:
            report(where, f"'{claimed[old]}' is already renamed from '{old}'")
        claimed.setdefault(old, name)


def _well_shaped(raw: dict) -> dict:
    """The raw tables as field types may read them (ctx.tables): every table a mapping with a
    `fields` mapping of mappings, whatever the schema check found wrong, so no type trips over a
    malformed neighbour; names stay, so references to them are not reported as unknown."""
    out = {}
    for tname, tspec in raw.items():
        if not isinstance(tspec, dict):
            out[tname] = {"fields": {}}
            continue
        fields = tspec.get("fields")
        fields = {k: v for k, v in fields.items() if isinstance(v, dict)} if isinstance(fields, dict) else {}
        out[tname] = {**tspec, "fields": fields}
    return out


def _has_error(invalid, path) -> bool:
    """Whether the schema check reported something at or under `path` (`invalid` holds the
    reported paths and all their ancestors)."""
    return tuple(path) in invalid


def _table(tname, spec, raw_tables, path, report, timezone, invalid=frozenset()) -> Table:
    types = field_types()
    fields = {}
    known = set()                          # field names, including those with a broken spec
    for fname, fspec in spec["fields"].items():
        fpath = path + ("fields", fname)
        if not (isinstance(fname, str) and NAME_RE.match(fname)):
            continue                       # reported by the schema check
        known.add(fname)
        if fname in SYSTEM_COLUMNS:
            report(fpath, f"'{fname}' is a system column ({', '.join(SYSTEM_COLUMNS)}); "
                          "choose another name", True)
            continue
        if fname in RESERVED:
            report(fpath, f"'{fname}' is a reserved SQL word; choose another name", True)
            continue
        if (_has_error(invalid, fpath) or not isinstance(fspec, dict) or not isinstance(fspec.get("type"), str)
                or fspec["type"] not in types):
            continue                       # reported by the schema check
        ftype = types[fspec["type"]]
        ctx = CompileContext(raw_tables, lambda sub, m, fp=fpath: report(fp + tuple(sub), m),
                             compile_expression)
        ctx.table = tname
        field = _field(fname, fspec, ftype, timezone, fpath, report)
        fields[fname] = ftype.prepare(field, ctx)
        _check_default(fields[fname], ftype, fpath, report)
    _check_renames({n: getattr(fields.get(n), "renamed_from", None) for n in spec["fields"] if n in known},
                   path + ("fields",), "field", report)    # in the definition's order: the later one is reported
    title = spec.get("title_field") or _default_title(fields)
    if not isinstance(title, str):
        title = _default_title(fields)     # reported by the schema check
    elif title != "id" and title not in known:
        report(path + ("title_field",), f"unknown field '{title}'{did_you_mean(title, known)}")
    list_fields = spec.get("list_fields", [])
    list_fields = list_fields if isinstance(list_fields, list) else []
    for i, name in enumerate(list_fields):
        if isinstance(name, str) and name not in known and name not in SYSTEM_COLUMNS:
            report(path + ("list_fields", i), f"unknown field '{name}'{did_you_mean(name, known)}")
    return Table(
        name=tname, label=_label(spec, "label", path, invalid, tname), fields=MappingProxyType(fields),
        title_field=title, icon=spec.get("icon"),
        description=_label(spec, "description", path, invalid, None) if "description" in spec else None,
        list_fields=tuple(n for n in list_fields if isinstance(n, str)),
        demo_rows=spec.get("demo_rows") if isinstance(spec.get("demo_rows"), int) else None,
        renamed_from=spec.get("renamed_from") if isinstance(spec.get("renamed_from"), str) else None,
    )


def _label(spec, key, path, invalid, fallback):
    """A label of the table; a fallback when the schema check refused the value (the build fails anyway)."""
    if _has_error(invalid, path + (key,)):
        return Label.of(None, fallback or "")
    return Label.of(spec.get(key), fallback or "")


def _field(fname, spec, ftype, timezone, fpath, report) -> Field:
    # a key the type declares itself (auto_number's numbering `pattern`) belongs to the type
    own = set(ftype.settings_schema)
    settings = {k: v for k, v in spec.items() if k not in COMMON_KEYS or k in own}
    settings.setdefault("timezone", timezone)
    options = []
    seen = set()
    for i, opt in enumerate(spec.get("options", [])):
        key = opt if isinstance(opt, str) else opt["key"]
        if key in seen:
            report(fpath + ("options", i), f"option '{key}' is listed twice")
        seen.add(key)
        label = key if isinstance(opt, str) else opt.get("label")
        options.append(Option(key=key, label=Label.of(label, key),
                              color=None if isinstance(opt, str) else opt.get("color")))
    pattern = None if "pattern" in own else spec.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            report(fpath + ("pattern",), f"invalid regular expression: {exc}")
            pattern = None
    field = Field(
        name=fname, type=ftype.name, label=Label.of(spec.get("label"), fname),
        required=spec.get("required", False), unique=spec.get("unique", False),
        default=spec.get("default"), max_length=spec.get("max_length"), pattern=pattern,
        options=tuple(options), readonly=spec.get("readonly", False), index=spec.get("index", False),
        help=Label.of(spec["help"]) if "help" in spec else None,
        table=spec.get("table"), settings=MappingProxyType(settings), renamed_from=spec.get("renamed_from"),
        demo=tuple(spec["demo"]) if isinstance(spec.get("demo"), list) else (),
    )
    bounds, values = {}, {}
    bound = getattr(ftype, "bound", None)   # a type with keyword bounds (`min: today`) reads them itself
    for key in ("min", "max"):
        if key not in spec:
            continue
        if bound is not None:
            bounds[key] = spec[key]         # the type's prepare reports a bound it cannot read
            if spec[key] != getattr(ftype, "dynamic", None):
                try:
                    values[key] = bound(field, spec[key])
                except FieldError:
                    pass
            continue
        try:
            bounds[key] = values[key] = ftype.coerce(field, spec[key])
        except FieldError as exc:
            report(fpath + (key,), f"invalid {key} {spec[key]!r}: {exc.message.en}")
    low, high = values.get("min"), values.get("max")
    if low is not None and high is not None:
        try:
            inverted = low > high
        except TypeError:
            inverted = False
        if inverted:
            report(fpath + ("min",), f"min {spec['min']} is greater than max {spec['max']}; "
                                     "nothing could be entered")
    if bounds:
        field = replace(field, **bounds)
    return field


def _check_default(field, ftype, fpath, report):
    if field.default is None:
        return
    try:
        value = ftype.default_value(field)
        ftype.validate(field, value)
    except FieldError as exc:
        report(fpath + ("default",), f"invalid default {field.default!r}: {exc.message.en}")


def _default_title(fields) -> str:
    for f in fields.values():
        if f.type in TITLE_TYPES:
            return f.name
    return "id"

