"""The designer's edit of a definition file: only the tables and fields that changed are rewritten.

ruamel.yaml reads the file as a round-trip tree (comments, key order, quotes and where every key
starts). A whole-file dump would still re-flow what it did not change (aligned `code:    {...}`
maps, long lines), so the new text is spliced: each field of a designed table is one block of lines,
from its key to the next sibling key; an unchanged field keeps its lines byte for byte, a changed one
is edited in the tree (its own comments stay) and only its block is dumped again, in the style it
had (one-line `{...}` or block). Tables are spliced the same way.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError


class CannotEdit(Exception):
    """The file cannot be edited by the designer (not valid YAML, or a layout it cannot splice)."""


def _yaml() -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 100000          # never wrap a line the designer writes
    return y


def load(text: str) -> CommentedMap:
    try:
        tree = _yaml().load(text)
    except YAMLError as exc:
        raise CannotEdit(f"the file is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(tree, CommentedMap):
        raise CannotEdit("the file is not a mapping of keys (app:, tables:, ...)")
    return tree


def plain(node):
    """A round-trip node as JSON-ready data (what the designer page edits)."""
    return json.loads(json.dumps(node, default=str))


@dataclass(frozen=True)
class Span:
    start: int    # 0-based line of the key
    end: int      # first line after the block
    col: int      # the key's column


def spans(node: CommentedMap, end: int, lines: list[str]) -> dict[str, Span]:
    """Where each entry of a block mapping is in `lines`; its last entry ends at `end`, less the
    blank and comment lines after it that are indented less than its key (they belong further out)."""
    if node.fa.flow_style():
        raise CannotEdit("a mapping written on one line ({...}) holds whole tables or fields; "
                         "use the YAML editor for this file")
    keys = list(node.keys())
    starts = [node.lc.key(k) for k in keys]
    if len({line for line, _ in starts}) != len(starts):
        raise CannotEdit("several keys share a line; use the YAML editor for this file")
    out = {}
    for i, key in enumerate(keys):
        line, col = starts[i]
        stop = starts[i + 1][0] if i + 1 < len(keys) else end
        if i + 1 == len(keys):
            while stop > line + 1 and _outer(lines[stop - 1], col):
                stop -= 1
        out[key] = Span(line, stop, col)
    return out


def _outer(line: str, col: int) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and len(line) - len(line.lstrip()) < col)


def _is_filler(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def apply(text: str, designed: dict, editable: set[str]) -> str:
    """The definition `text` with its tables as `designed` ({table: {label?, fields: {name: spec}}},
    in the designed order). Tables of the file not in `designed` are removed; only tables named in
    `editable` (those of this file, not of an included one) are touched."""
    tree = load(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    tables = tree.get("tables")
    if not isinstance(tables, CommentedMap):
        if designed:
            raise CannotEdit("the file has no `tables:` mapping to edit")
        return text
    top = spans(tree, len(lines), lines)["tables"]
    table_spans = spans(tables, top.end, lines) if tables else {}
    indent = _indent(tables, table_spans, top)
    edits = []    # (start, end, new lines), never overlapping
    for name, span in table_spans.items():
        if name in editable and name not in designed:
            edits.append((span.start, span.end, []))
    for name, spec in designed.items():
        if name not in editable and name in tables:
            continue
        if name in tables:
            edits.extend(_table_edits(tables[name], spec, table_spans[name], lines, indent))
    new_tables = [n for n in designed if n not in tables]
    if new_tables:
        at = max((s.end for s in table_spans.values()), default=top.start + 1)
        col = top.col + indent
        block = [ln for n in new_tables for ln in _dump({n: _new_table(designed[n])}, col, indent)]
        edits.append((at, at, block))
    for start, end, new in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start:end] = new
    return "".join(lines)


def _indent(tables: CommentedMap, table_spans: dict, top: Span) -> int:
    """The file's mapping indent, read from where the first table's keys sit."""
    for name, span in table_spans.items():
        spec = tables[name]
        if isinstance(spec, CommentedMap) and spec and not spec.fa.flow_style():
            return max(1, spec.lc.key(next(iter(spec)))[1] - span.col)
    return 2


def _table_edits(node, spec: dict, span: Span, lines: list[str], indent: int) -> list:
    if not isinstance(node, CommentedMap):
        raise CannotEdit("a table is not a mapping; use the YAML editor for this file")
    inner = spans(node, span.end, lines)
    edits = []
    if "label" in spec and plain(node.get("label")) != spec["label"]:
        if "label" in node:
            s = inner["label"]
            node["label"] = _flow(spec["label"])
            edits.append((s.start, s.end, _keep_tail(_dump({"label": node["label"]}, s.col, indent), lines, s)))
        else:
            first = min(inner.values(), key=lambda s: s.start)
            edits.append((first.start, first.start, _dump({"label": _flow(spec["label"])}, first.col, indent)))
    fields = node.get("fields")
    if not isinstance(fields, CommentedMap):
        raise CannotEdit("a table has no `fields:` mapping; use the YAML editor for this file")
    s = inner["fields"]
    field_spans = spans(fields, s.end, lines)
    first = min((f.start for f in field_spans.values()), default=s.start + 1)
    last = max((f.end for f in field_spans.values()), default=s.start + 1)
    col = min((f.col for f in field_spans.values()), default=s.col + indent)
    one_line = [isinstance(v, CommentedMap) and v.fa.flow_style() for v in fields.values()]
    flow = 2 * sum(one_line) >= len(one_line)     # a new field is written as most of its neighbours are
    out = []
    for name, want in spec["fields"].items():
        if name in fields and plain(fields[name]) == want:
            f = field_spans[name]
            out.extend(lines[f.start:f.end])
        elif name in fields:
            f = field_spans[name]
            out.extend(_keep_tail(_changed_field(fields, name, want, col, indent), lines, f))
        else:
            out.extend(_dump({name: _flow(want) if flow else _block(want)}, col, indent))
    edits.append((first, last, out))
    return edits


def _changed_field(fields: CommentedMap, name: str, want: dict, col: int, indent: int) -> list[str]:
    """The field's node edited in place (its other keys, their order and inner comments stay)."""
    node = fields[name]
    for key in [k for k in node if k not in want]:
        del node[key]
    for key, value in want.items():
        if key not in node or plain(node[key]) != value:
            node[key] = _flow(value) if node.fa.flow_style() or isinstance(value, dict) else _node(value)
    entry = CommentedMap()
    entry[name] = node
    comment = fields.ca.items.get(name)
    if comment and len(comment) > 2 and comment[2] is not None:     # the `# ...` after a one-line field
        entry.ca.items[name] = comment
    return _dump(entry, col, indent)


def _keep_tail(new: list[str], lines: list[str], span: Span) -> list[str]:
    """A re-dumped block keeps the blank and comment lines that ended the old one (and only those)."""
    while new and _is_filler(new[-1]):
        new.pop()
    tail = []
    i = span.end
    while i > span.start + 1 and _is_filler(lines[i - 1]):
        i -= 1
        tail.insert(0, lines[i])
    return new + tail


def _new_table(spec: dict) -> CommentedMap:
    table = CommentedMap()
    if spec.get("label"):
        table["label"] = _flow(spec["label"])
    fields = CommentedMap()
    for name, want in spec["fields"].items():
        fields[name] = _flow(want)
    table["fields"] = fields
    return table


def _node(value):
    if isinstance(value, dict):
        return _block(value)
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    return value


def _block(value: dict) -> CommentedMap:
    out = CommentedMap()
    for k, v in value.items():
        out[k] = _flow(v) if isinstance(v, (dict, list)) else v
    return out


def _flow(value):
    if isinstance(value, dict):
        out = CommentedMap((k, _flow(v)) for k, v in value.items())
        out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_flow(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    return value


_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def _dump(data: CommentedMap, col: int, indent: int) -> list[str]:
    y = _yaml()
    y.indent(mapping=indent, sequence=indent + 2, offset=indent)
    out = io.StringIO()
    y.dump(data, out)
    text = _TRAILING_SPACE.sub("\n", out.getvalue())
    return [(" " * col + ln) if ln.strip() else ln for ln in text.splitlines(keepends=True)]
