"""docs/reference.md, written from the definition JSON Schema (builder/schema.py) so that the reference
never disagrees with what the builder accepts: every key of every section, field type, trigger,
action, flow node and chart, with what it expects and, where the schema says, what it does.
`tessera reference` writes it; `--check` fails when it is out of date (a test runs that)."""
from __future__ import annotations

from pathlib import Path

from builder.schema import build_schema

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"
REF = "#/$defs/"
NAMED = {"label": "a label: a text or {zh, en}", "option": "an option: a key or {key, label, color}",
         "grant": "a grant (see Permissions)", "table": "a table", "rule": "a rule", "flow": "a flow",
         "field": "a field", "rule_trigger": "a trigger", "rule_step": "an action", "rule_nested_step": "an action",
         "flow_node": "a node", "report_dataset": "a dataset", "report_dashboard": "a dashboard",
         "report_chart": "a chart", "report_measure": "a measure", "page": "a page",
         "page_component": "a component"}
INTRO = """# Definition reference

Generated from the definition JSON Schema (`builder/schema/app.schema.json`) by `tessera reference`:
do not edit by hand. What each part does is told in its guide: [definitions.md](definitions.md)
(tables and fields), [permissions.md](permissions.md), [rules.md](rules.md), [flows.md](flows.md),
[reports.md](reports.md), [ledgers.md](ledgers.md), [expressions.md](expressions.md).
A key marked **required** must be given.
"""


def expects(schema: dict) -> str:
    """What a value must be, in words."""
    if "x-expected" in schema:
        return schema["x-expected"]
    if "$ref" in schema:
        return NAMED.get(schema["$ref"].removeprefix(REF), schema["$ref"].removeprefix(REF))
    if "const" in schema:
        return f"`{schema['const']}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(expects(s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return "a list" + (f", each {expects(items)}" if isinstance(items, dict) and expects(items) else "")
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return f"a mapping of names to {expects(extra)}"
        return "a mapping"
    words = {"string": "a text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
             "null": "nothing"}
    if isinstance(kind, list):
        return " or ".join(words.get(k, k) for k in kind)
    text = words.get(kind, "")
    if kind in ("integer", "number") and ("minimum" in schema or "maximum" in schema):
        text += f" ({schema.get('minimum', '')}..{schema.get('maximum', '')})"
    return text


def key_table(schema: dict, skip=()) -> list[str]:
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    rows = ["| key | expects | |", "|---|---|---|"]
    for key, sub in props.items():
        if key in skip:
            continue
        note = sub.get("description", "")
        mark = "**required** " if key in required else ""
        rows.append(f"| `{key}` | {_cell(expects(sub))} | {mark}{_cell(note)} |")
    return rows if len(rows) > 2 else ["(no keys of its own)"]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _section(out, title, schema, skip=(), level="##"):
    out += ["", f"{level} {title}", ""] + key_table(schema, skip)
    for key, sub in (schema.get("properties") or {}).items():     # a nested mapping's own keys
        if key not in skip and sub.get("type") == "object" and sub.get("properties"):
            out += ["", f"`{key}`:", ""] + key_table(sub)


def render() -> str:
    schema = build_schema()
    defs = schema["$defs"]
    out = [INTRO]
    _section(out, "The app (top level)", schema)
    _section(out, "A table (`tables: {name: ...}`)", defs["table"])
    common = set(defs["field_text"]["properties"]) & set(defs["field_integer"]["properties"])
    out += ["", "## Fields", "", "Every field type takes these common keys:", ""]
    out += key_table({"properties": {**{k: v for k, v in defs["field_text"]["properties"].items() if k in common},
                                     "type": {"x-expected": "the type's name (the headings below)"}}})
    out += ["", "Each type's own keys:"]
    for name in sorted(k for k in defs if k.startswith("field_")):
        own = {"properties": {k: v for k, v in defs[name]["properties"].items() if k not in common},
               "required": [r for r in defs[name].get("required", ()) if r != "type"]}
        _section(out, f"`{name.removeprefix('field_')}`", own, level="###")
    _section(out, "Permissions (`permissions: {role: grant}` of a table)",
             next(s for s in defs["grant"]["anyOf"] if s.get("type") == "object"))
    _section(out, "A rule (`rules: {name: ...}`)", defs["rule"])
    out += ["", "### Triggers (`when:`)", "", expects(defs["rule_trigger"]) + "; their keys:", ""]
    out += key_table(defs["rule_trigger"])
    out += ["", "### Actions (the steps of `do:`)", "",
            "Each step is one action; every step also takes `if:` (a condition) and `as:` (a name for its result)."]
    for name, sub in defs["rule_step"]["properties"].items():
        if name in ("if", "as"):
            continue
        out += ["", f"#### `{name}`", "", f"Expects {expects(sub)}."]
        if sub.get("type") == "object" and sub.get("properties"):
            out += [""] + key_table(sub)
    _section(out, "A flow (`flows: {name: ...}`)", defs["flow"])
    out += ["", "### Nodes (`nodes: {name: ...}`)", "",
            "Each node has one kind key and the common keys `label`, `on` (outcome: next node), `next` and `timeout`."]
    common_node = {"label", "on", "next", "timeout"}
    for name, sub in defs["flow_node"]["properties"].items():
        if name in common_node:
            continue
        out += ["", f"#### `{name}`", "", f"Expects {expects(sub)}."]
        if sub.get("type") == "object" and sub.get("properties"):
            out += [""] + key_table(sub)
    out += ["", "Common node keys:", ""] + key_table(
        {"properties": {k: v for k, v in defs["flow_node"]["properties"].items() if k in common_node}})
    if "page" in defs:
        _section(out, "A page for people (`pages: {name: ...}`)", defs["page"])
        out += ["", "### Components (the items of `components:`)"]
        for name in sorted(k for k in defs if k.startswith("page_") and k != "page_component"):
            _section(out, f"`{name.removeprefix('page_')}`", defs[name], level="####")
    _section(out, "A dataset (`datasets: {name: ...}`)", defs["report_dataset"])
    _section(out, "A measure (`measures:` of a dataset)", defs["report_measure"]
             if defs["report_measure"].get("properties") else {"properties": {}})
    _section(out, "A dashboard (`dashboards: {name: ...}`)", defs["report_dashboard"])
    _section(out, "A chart (`charts: {name: ...}` of a dashboard)", defs["report_chart"])
    return "\n".join(out) + "\n"
