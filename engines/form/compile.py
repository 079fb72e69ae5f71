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
from engines.form.fields import CompileContext, FieldError, field_types
from engines.form.model import SYSTEM_COLUMNS, Field, Option, Table

RESERVED = frozenset(PG_RESERVED) | frozenset(SQLiteIdentifierPreparer.reserved_words)
COMMON_KEYS = {"type", "label", "help", "required", "unique", "readonly", "index", "default",
               "min", "max", "max_length", "pattern", "options"}
TITLE_TYPES = ("text", "auto_number", "phone", "email", "barcode")

Report = Callable[..., None]  # (path, message, at_key=False)


def compile_tables(raw: dict, report: Report, timezone: str = "Asia/Shanghai") -> dict[str, Table]:
    tables = {}
    for tname, tspec in raw.items():
        path = ("tables", tname)
        if tname in RESERVED:
            report(path, f"'{tname}' is a reserved SQL word; choose another name such as '{tname}s'", True)
        tables[tname] = _table(tname, tspec, raw, path, report, timezone)
    return tables


def _table(tname, spec, raw_tables, path, report, timezone) -> Table:
    types = field_types()
    fields = {}
    for fname, fspec in spec["fields"].items():
        fpath = path + ("fields", fname)
        if fname in SYSTEM_COLUMNS:
            report(fpath, f"'{fname}' is a system column ({', '.join(SYSTEM_COLUMNS)}); "
                          "choose another name", True)
            continue
        if fname in RESERVED:
            report(fpath, f"'{fname}' is a reserved SQL word; choose another name", True)
            continue
        ftype = types[fspec["type"]]
        ctx = CompileContext(raw_tables, lambda sub, m, fp=fpath: report(fp + tuple(sub), m),
                             compile_expression)
        ctx.table = tname
        field = _field(fname, fspec, ftype, timezone, fpath, report)
        fields[fname] = ftype.prepare(field, ctx)
        _check_default(fields[fname], ftype, fpath, report)
    title = spec.get("title_field") or _default_title(fields)
    if title != "id" and title not in fields:
        report(path + ("title_field",), f"unknown field '{title}'{did_you_mean(title, fields)}")
    for i, name in enumerate(spec.get("list_fields", [])):
        if name not in fields and name not in SYSTEM_COLUMNS:
            report(path + ("list_fields", i), f"unknown field '{name}'{did_you_mean(name, fields)}")
    return Table(
        name=tname, label=Label.of(spec.get("label"), tname), fields=MappingProxyType(fields),
        title_field=title, icon=spec.get("icon"),
        description=Label.of(spec["description"]) if "description" in spec else None,
        list_fields=tuple(spec.get("list_fields", ())),
    )


def _field(fname, spec, ftype, timezone, fpath, report) -> Field:
    settings = {k: v for k, v in spec.items() if k not in COMMON_KEYS}
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
    if ftype.name in ("select", "multi_select") and not options:
        report(fpath, "missing required key 'options' (the choices of this field)")
    pattern = spec.get("pattern")
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
        table=spec.get("table"), settings=MappingProxyType(settings),
    )
    bounds = {}
    for key in ("min", "max"):
        if key in spec:
            try:
                bounds[key] = ftype.coerce(field, spec[key])
            except FieldError as exc:
                report(fpath + (key,), f"{key} {exc.message.en}")
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
        report(fpath + ("default",), f"default {exc.message.en}")


def _default_title(fields) -> str:
    for f in fields.values():
        if f.type in TITLE_TYPES:
            return f.name
    return "id"

