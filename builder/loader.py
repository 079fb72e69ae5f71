"""Load a YAML definition into plain data while keeping a file:line:col mark for every node.

Definitions are untrusted: sizes, nesting, alias expansion (billion laughs) and recursive
anchors are bounded, and every failure becomes a BuildError instead of a traceback.
"""
from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor

from builder.errors import BuildError, Mark

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000   # after alias expansion
MAX_DEPTH = 64

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = frozenset(_YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp",
                                                 "map", "seq"))


class LoadFailed(Exception):
    def __init__(self, errors: list[BuildError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass
class Marks:
    """Marks of values and of keys by path; an error finds the closest marked ancestor."""
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    def at(self, path: tuple, at_key: bool = False) -> Mark:
        if at_key and path in self.keys:
            return self.keys[path]
        p = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), Mark("?", 1, 1))

    def update(self, other: "Marks") -> None:
        self.values.update(other.values)
        self.keys.update(other.keys)


def load_file(path: str | Path, display_name: str | None = None):
    """Return (data, marks) of one YAML file, or raise LoadFailed."""
    name = display_name or str(path)
    return load_text(read_file(path, name), name)


def read_file(path: str | Path, name: str) -> bytes:
    """The bytes of a definition file, refusing folders, devices and oversized files up front."""

    def refuse(message):
        return LoadFailed([BuildError(Mark(name, 1, 1), (), message)])

    too_big = (f"a definition may be at most {MAX_BYTES // (1024 * 1024)} MB "
               "(split it with 'include:')")
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a folder, not a definition file")
        if not stat.S_ISREG(info.st_mode):      # a pipe or a device could block or never end
            raise refuse("is not a regular file")
        if info.st_size > MAX_BYTES:             # refused by its size, without reading it
            raise refuse(f"file is {info.st_size / (1024 * 1024):.1f} MB; {too_big}")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)         # the file may have grown since
    except FileNotFoundError:
        raise refuse("file not found") from None
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise refuse(f"file is too large; {too_big}")
    return raw


def load_text(raw: bytes | str, name: str):
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise LoadFailed([BuildError(Mark(name, line, 1), (),
                                         "file is not UTF-8 text; save it as UTF-8")]) from None
    else:
        text = raw
    try:
        _check_depth(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(name, mark.line + 1, mark.column + 1) if mark else Mark(name, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if mark and _char_at(text, mark) == "\t":  # the parser's "cannot start any token" is a tab here
            problem = "tab character in indentation; YAML indents with spaces only"
            raise LoadFailed([BuildError(where, (), problem)]) from None
        ctx = exc.context_mark
        if exc.problem and exc.context and ctx and (not mark or ctx.line != mark.line
                                                     or ctx.column != mark.column):
            # where the unclosed thing began is often where the mistake is
            problem += f" ({exc.context} that starts at line {ctx.line + 1}, column {ctx.column + 1})"
        raise LoadFailed([BuildError(where, (), f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise LoadFailed([BuildError(Mark(name, 1, 1), (), f"invalid YAML: {exc}")]) from None
    if node is None:
        raise LoadFailed([BuildError(Mark(name, 1, 1), (), "file is empty")])
    return _Converter(name).convert(node)


def _char_at(text: str, mark) -> str:
    lines = text.split("\n", mark.line + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column] if mark.column < len(line) else ""


def _check_depth(text: str, name: str) -> None:
    """Refuse deep nesting before composing: the composer recurses once per level, and a few MB of
    `[` or `- ` nest deeply enough to overflow the C stack (a crash, not an exception). The event
    parser keeps its own stack, so counting its events is safe, and stops at the first offence."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    _too_deep(name, event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml 0.2.6+ stops at its own limit (1000) while scanning ahead, before the events come
        if exc.problem_mark and "nesting depth" in (exc.problem or ""):
            _too_deep(name, exc.problem_mark)
        raise


def _too_deep(name: str, m) -> None:
    raise LoadFailed([BuildError(Mark(name, m.line + 1, m.column + 1), (), f"nesting deeper than {MAX_DEPTH} levels")])


_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _Converter:
    def __init__(self, name: str):
        self.name = name
        self.marks = Marks()
        self.errors: list[BuildError] = []
        self.count = 0
        self.active: set[int] = set()
        self.scalars = SafeConstructor()

    def convert(self, node):
        data = self._node(node, ())
        if self.errors:
            raise LoadFailed(self.errors)
        return data, self.marks

    def _mark(self, node) -> Mark:
        return Mark(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def _fail(self, node, path, message):
        self.errors.append(BuildError(self._mark(node), path, message))
        raise LoadFailed(self.errors)

    def _node(self, node, path):
        self.count += 1
        if self.count > MAX_NODES:
            self._fail(node, path, f"definition expands to more than {MAX_NODES} nodes "
                                   "(too many aliases of anchors?)")
        if len(path) > MAX_DEPTH:
            self._fail(node, path, f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self.active:
            self._fail(node, path, "an alias refers to the anchor that contains it (recursive anchor)")
        self.marks.values[path] = self._mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self._check_tag(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self._node(child, path + (i,)) for i, child in enumerate(node.value)]
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _check_tag(self, node, path):
        if node.tag in _PLAIN_TAGS:
            return
        tag = node.tag.replace(_YAML_TAG, "!!")
        if tag == "!!binary":
            self._fail(node, path, "binary values are not allowed")
        self._fail(node, path, f"the tag '{tag}' is not allowed: a definition holds only texts, "
                               "numbers, true/false, lists and mappings")

    def _scalar(self, node, path):
        self._check_tag(node, path)
        if node.tag == _YAML_TAG + "timestamp":
            return node.value  # keep dates as written (2024-02-30 too): field types parse and report
        try:
            value = self.scalars.construct_object(node)
        except yaml.YAMLError as exc:
            self._fail(node, path, f"invalid value: {getattr(exc, 'problem', exc)}")
        except ValueError as exc:
            if node.tag == _YAML_TAG + "int":  # int('9' * 5000): Python's limit on digits
                self._fail(node, path, "number with too many digits")
            self._fail(node, path, f"invalid value: {exc}")
        if isinstance(value, (dt.date, dt.datetime)):
            return node.value  # keep dates as written; field types parse them
        if isinstance(value, bytes):
            self._fail(node, path, "binary values are not allowed")
        return value

    def _mapping(self, node, path):
        out: dict = {}
        first: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._merge(out, first, value_node, path, key_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, path, "a key must be plain text")
            key = self._scalar(key_node, path)
            if not isinstance(key, str):
                key = key_node.value
            if key in first and first[key] is not None:
                self.errors.append(BuildError(
                    self._mark(key_node), path + (key,),
                    f"duplicate key '{key}' (first defined at line {first[key].line})"))
                continue
            first[key] = self._mark(key_node)
            self.marks.keys[path + (key,)] = first[key]
            out[key] = self._node(value_node, path + (key,))
        return out

    def _merge(self, out, first, value_node, path, key_node):
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for src in sources:
            if not isinstance(src, yaml.MappingNode):
                self._fail(key_node, path, "'<<' merges only mappings")
            # convert into scratch marks: only the keys actually taken may mark this mapping's
            # paths (not the mapping itself, nor keys written here explicitly)
            outer, self.marks = self.marks, Marks()
            try:
                merged = self._node(src, path)
            finally:
                scratch, self.marks = self.marks, outer
            taken = set()
            for k, v in merged.items():
                if k not in out:
                    out[k] = v
                    first.setdefault(k, None)
                    taken.add(k)
            n = len(path)
            for kind in ("values", "keys"):
                target = getattr(self.marks, kind)
                for p, m in getattr(scratch, kind).items():
                    if len(p) > n and p[n] in taken:
                        target[p] = m
