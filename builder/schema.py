"""The definition schema (JSON Schema 2020-12): composed from the engines' parts, shipped as a file.

`builder/schema/app.schema.json` is what editors use (`# yaml-language-server: $schema=...`) and
what the builder validates against; `tessera schema` regenerates it, a test keeps it in sync.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

from builder.errors import BuildError
from engines.common.problems import did_you_mean
from engines.flow import schema as flow_schema
from engines.form import definition_schema as form_schema
from engines.form.screens import schema as screens_schema
from engines.report import schema as report_schema
from engines.rules import schema as rules_schema
from engines.form.fields import field_types

SCHEMA_FILE = Path(__file__).parent / "schema" / "app.schema.json"
RESERVED_APP_NAMES = ("api", "media", "static")  # taken by the platform's own URLs
SCHEMA_ID = "https://tessera.dev/schema/app.schema.json"
APP_NAME = r"^[a-z][a-z0-9_-]{0,39}$"
MAX_ERRORS = 100     # reported per definition file


def build_schema() -> dict:
    form_props, form_defs = form_schema.schema_part()
    rules_props, rules_defs = rules_schema.schema_part()
    report_props, report_defs = report_schema.schema_part()
    flow_props, flow_defs = flow_schema.schema_part()
    screen_props, screen_defs = screens_schema.schema_part()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Tessera app definition",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "app": {"type": "string", "pattern": APP_NAME,
                    "description": "the app's name: lower case letters, digits, '_' or '-'"},
            "title": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/label"},
            "version": {"x-expected": "a version such as 1 or '1.2'", "type": ["string", "integer"]},
            "timezone": {"type": "string", "description": "IANA zone, default Asia/Shanghai"},
            "roles": {"type": "array", "uniqueItems": True,
                      "items": {"type": "string", "pattern": form_schema.NAME}},
            "include": {"type": "array", "items": {"type": "string"}},
            **form_props,
            **rules_props,
            **report_props,
            **flow_props,
            **screen_props,
        },
        "$defs": {**form_defs, **rules_defs, **report_defs, **flow_defs, **screen_defs},
    }


def _unique_items(validator, unique, instance, schema):
    """uniqueItems in linear time. jsonschema compares every pair of items that cannot be sorted
    (mappings, lists): 5,000 mappings in a `roles` list took over a minute. Items are compared by
    their canonical JSON text, which is exact for the plain values a YAML definition holds."""
    if not (unique and validator.is_type(instance, "array")):
        return
    seen = set()
    for item in instance:
        key = json.dumps(item, sort_keys=True, default=str)
        if key in seen:
            yield ValidationError(f"{instance!r} has non-unique elements")
            return
        seen.add(key)


_Validator = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})


@lru_cache(maxsize=1)
def _validators():
    """(validator of the whole file with fields only type-checked, {type: validator of one field}).

    Validating each field against its own `field_<type>` definition gives the same verdict as the
    shipped schema's if/then dispatch at a fraction of the cost, and sharper messages.
    """
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    defs = dict(schema["$defs"])
    defs["field"] = {k: v for k, v in defs["field"].items() if k != "allOf"}
    # the definitions are not recursive: inline every $ref once, so validation never resolves one
    defs = {k: _inline(v, defs) for k, v in defs.items()}
    shallow = _inline({k: v for k, v in schema.items() if k != "$defs"}, defs)
    per_type = {k[len("field_"):]: _Validator(v) for k, v in defs.items() if k.startswith("field_")}
    return _Validator(shallow), per_type


def _inline(node, defs):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/") and len(node) == 1:
            return _inline(defs[ref[len("#/$defs/"):]], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def check(data, marks, require_app: bool = True) -> list[BuildError]:
    errors = []
    if require_app and isinstance(data, dict) and "app" not in data:
        errors.append(BuildError(marks.at(()), (), "missing required key 'app' (the app's name)"))
    whole, per_type = _validators()

    def found():
        yield from whole.iter_errors(data)
        if isinstance(data, dict) and isinstance(data.get("tables"), dict):
            for tname, table in data["tables"].items():
                fields = table.get("fields") if isinstance(table, dict) else None
                for fname, spec in (fields.items() if isinstance(fields, dict) else ()):
                    if isinstance(spec, dict) and isinstance(spec.get("type"), str) and spec["type"] in per_type:
                        base = ("tables", tname, "fields", fname)
                        yield from ((base, e) for e in per_type[spec["type"]].iter_errors(spec))

    # a hostile file can have a hundred thousand errors; nobody reads past the first hundred
    for item in islice(found(), MAX_ERRORS + 1):
        base, err = item if isinstance(item, tuple) else ((), item)
        for message, at_key, path in _explain_all(err, base + tuple(err.absolute_path)):
            errors.append(BuildError(marks.at(path, at_key=at_key), path, message))
    return errors


def _explain_all(err, path):
    """Like _explain, but one error per unknown key (jsonschema lists them all in one error)."""
    if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in known]
        if len(unknown) > 1:
            return [(f"unknown key '{k}'{_known_hint(k, known, err.instance)}", True, path + (k,)) for k in unknown]
    return [_explain(err, path)]


def _known_hint(key, known, inst=None) -> str:
    """' (did you mean 'x'?)'; the field types that have the key, when it is another type's setting
    (`scale` on a text field); or the allowed keys when they are few (a label's zh/en)."""
    hint = did_you_mean(key, known)
    if hint:
        return hint
    ftype = inst.get("type") if isinstance(inst, dict) else None
    types = field_types()
    if isinstance(ftype, str) and ftype in types:
        owners = sorted(n for n, t in types.items() if key in t.settings_schema)
        if owners:
            listed = owners[0] if len(owners) == 1 else ", ".join(owners[:-1]) + " and " + owners[-1]
            return f" ({ftype} fields have no '{key}'; {listed} fields do)"
    if 0 < len(known) <= 6:
        return f" (allowed: {', '.join(sorted(known))})"
    return ""


_QUOTED = re.compile(r"'([^']*)'")


def _explain(err, path):
    """Turn a jsonschema error into a message a business user can act on."""
    v, inst, schema = err.validator, err.instance, err.schema
    if v in ("additionalProperties", "unevaluatedProperties"):
        known = set(schema.get("properties", {}))
        unknown = [k for k in inst if k not in known] or _QUOTED.findall(err.message)[:1]
        key = unknown[0]
        return f"unknown key '{key}'{_known_hint(key, known, inst)}", True, path + (key,)
    if v == "required":
        missing = _QUOTED.findall(err.message)[0]
        return f"missing required key '{missing}'", False, path
    if v == "enum":
        allowed = [str(x) for x in schema["enum"]]
        listed = f" (one of: {', '.join(allowed[:12])}{', ...' if len(allowed) > 12 else ''})"
        what = "field type" if path and path[-1] == "type" and path[0] == "tables" else \
            "chart type" if path and path[-1] == "type" and path[0] == "dashboards" else "value"
        if isinstance(inst, (dict, list)) or inst is None:     # not a name at all
            return f"expected a {what}{listed}, got {_describe(inst)}", False, path
        hint = did_you_mean(inst, allowed) or listed
        return f"unknown {what} '{inst}'{hint}", False, path
    if v == "not" and path == ("app",):
        return f"'{inst}' is reserved for the platform's own URLs; choose another app name", False, path
    if v == "const":
        return f"must be '{schema['const']}'", False, path
    if v == "type":
        expected = schema.get("x-expected") or _a(schema["type"])
        hint = ""
        if (len(path) == 4 and path[0] == "tables" and path[2] == "fields" and isinstance(inst, str)
                and inst in field_types()):
            hint = f" (write {path[3]}: {{type: {inst}}})"   # `phone: phone` for `phone: {type: phone}`
        return f"expected {expected}, got {_describe(inst)}{hint}", False, path
    if v in ("anyOf", "oneOf"):
        # a branch of the right JSON type failed inside: its error says more than "expected X"
        inner = [e for e in err.context if e.validator != "type"]
        if inner:
            sub = best_match(inner)
            return _explain(sub, path[:len(path) - len(err.absolute_path)] + tuple(sub.absolute_path))
        return f"expected {schema.get('x-expected', 'a different value')}, got {_describe(inst)}", False, path
    if v == "pattern":
        hint = _pattern_hint(inst, schema["pattern"], schema)
        if "propertyNames" in err.schema_path:  # the offending thing is a key, not a value
            return hint, True, path + (inst,)
        return hint, False, path
    if v == "uniqueItems" and isinstance(inst, list):
        seen = set()
        for i, item in enumerate(inst):
            key = json.dumps(item, sort_keys=True, default=str)
            if key in seen:
                return f"{_describe(item)} is listed twice", False, path + (i,)
            seen.add(key)
    if v in ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
             "minProperties", "maxProperties", "uniqueItems"):
        return _limits(v, schema, inst), False, path
    return err.message, False, path


def _pattern_hint(inst, pattern, schema) -> str:
    if pattern == form_schema.NAME:
        return (f"'{inst}' is not a valid name: use lower case letters, digits and '_', "
                f"starting with a letter (at most 63 characters)")
    if pattern == APP_NAME:
        return (f"'{inst}' is not a valid app name: use lower case letters, digits, '_' or '-', "
                f"starting with a letter (at most 40 characters)")
    expected = schema.get("description") or f"a text matching {pattern}"
    return f"'{inst}' is not valid here: expected {expected}"


def _limits(v, schema, inst):
    return {
        "minLength": lambda: "must not be empty" if schema[v] == 1 else f"must be at least {schema[v]} characters",
        "maxLength": lambda: f"must be at most {schema[v]} characters",
        "minimum": lambda: f"must be at least {schema[v]}",
        "maximum": lambda: f"must be at most {schema[v]}",
        "minItems": lambda: f"needs at least {schema[v]} items",
        "maxItems": lambda: f"may have at most {schema[v]} items",
        "minProperties": lambda: "must not be empty" if schema[v] == 1 else f"needs at least {schema[v]} entries",
        "maxProperties": lambda: f"may have at most {schema[v]} entries",
        "uniqueItems": lambda: "has the same item twice",
    }[v]()


def _a(types) -> str:
    names = {"string": "a text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
             "object": "a mapping (key: value)", "array": "a list", "null": "nothing"}
    if isinstance(types, list):
        return " or ".join(names.get(t, t) for t in types)
    return names.get(types, types)


def _describe(inst) -> str:
    if isinstance(inst, bool):
        return str(inst).lower()
    if isinstance(inst, dict):
        return "a mapping"
    if isinstance(inst, list):
        return "a list"
    if inst is None:
        return "nothing"
    text = repr(inst) if isinstance(inst, str) else str(inst)
    return text if len(text) <= 40 else text[:37] + "..."
