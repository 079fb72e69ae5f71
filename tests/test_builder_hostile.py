"""Hostile definitions: each must end in a clear BuildError (file:line:col: message), quickly.

No traceback, no hang, no crash, no code run. Every case runs under a time guard; the cases that
could crash the interpreter itself (a C stack overflow in the YAML composer) run in a subprocess.
"""
from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

import builder.loader as loader
from builder import BuildFailed, compile_app

ROOT = Path(__file__).resolve().parent.parent
LIMIT_S = 20.0     # a guard against a hang or a blow-up, not a benchmark: generous for a loaded CI machine
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_guarded(path, seconds=LIMIT_S):
    """compile_app(path) in a thread: (app, errors); fails on a hang or any other exception."""
    outcome = {}

    def target():
        try:
            outcome["app"] = compile_app(path)
        except BuildFailed as exc:
            outcome["errors"] = exc.errors
        except BaseException as exc:  # noqa: BLE001 - anything else is the bug under test
            outcome["crash"] = "".join(traceback.format_exception(exc))

    started = time.monotonic()
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    took = time.monotonic() - started
    assert not worker.is_alive(), f"compiling {path} took longer than {seconds} s"
    assert "crash" not in outcome, outcome.get("crash")
    assert took < seconds
    return outcome.get("app"), outcome.get("errors")


def build_error(path, seconds=LIMIT_S) -> list[str]:
    """The rendered errors of a definition that must fail; checks their shape."""
    app, errors = run_guarded(path, seconds)
    assert app is None, f"{path} compiled but should not have"
    assert errors, "BuildFailed without errors"
    lines = [str(e) for e in errors]
    for line in lines:
        m = LINE.match(line)
        assert m, f"not file:line:col: message: {line!r}"
        assert int(m["line"]) >= 1 and int(m["col"]) >= 1
        assert "Traceback" not in line and "Error:" not in line
        assert len(line) < 2000
    return lines


def write(name: str, text: str | bytes) -> str:
    p = Path(name)
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return name


GOOD_TABLES = "tables:\n  members:\n    fields:\n      name: {type: text}\n"


# -- syntax -------------------------------------------------------------------------------------
def test_bad_yaml_syntax():
    path = write("app.yaml", "app: shop\ntables:\n  members:\n    fields: [name, {type: text\n")
    [error] = build_error(path)
    assert error.startswith("app.yaml:5:1: invalid YAML: ")
    assert "line 4" in error


def test_unclosed_quote():
    path = write("app.yaml", 'app: "shop\ntables: {}\n')
    [error] = build_error(path)
    assert error.startswith("app.yaml:") and "invalid YAML" in error and "quoted scalar" in error


def test_tab_indentation():
    path = write("app.yaml", "app: shop\ntables:\n  members:\n\tfields: {}\n")
    assert build_error(path) == ["app.yaml:4:1: tab character in indentation; YAML indents with spaces only"]


def test_tab_inside_a_block_scalar_is_text_not_an_error():
    path = write("app.yaml", "app: shop\ndescription: |\n  first line\n  \tsecond line starts with a tab\n"
                             "tables:\n  members:\n    fields:\n      name: {type: text}\n")
    from builder import compile_app
    assert compile_app(path).description.en == "first line\n\tsecond line starts with a tab\n"


def test_two_documents():
    path = write("app.yaml", "app: shop\n---\napp: other\n")
    [error] = build_error(path)
    assert error.startswith("app.yaml:2:1: invalid YAML: ") and "single document" in error


def test_wrong_types():
    path = write("app.yaml", "app: [shop]\ntitle: 42\ntables:\n  members:\n    fields:\n"
                             "      name: {type: text, unique: 1, max_length: -5, options: x}\n")
    assert build_error(path) == [
        "app.yaml:1:6: app: expected a text, got a list",
        "app.yaml:2:8: title: expected a text or a mapping {zh: ..., en: ...}, got 42",
        "app.yaml:6:34: tables.members.fields.name.unique: expected true or false, got 1",
        "app.yaml:6:49: tables.members.fields.name.max_length: must be at least 1",
        "app.yaml:6:62: tables.members.fields.name.options: expected a list, got 'x'",
    ]


def test_unknown_keys():
    path = write("app.yaml", "app: shop\nscreens: {}\n" + GOOD_TABLES + "    colour: red\n")
    assert build_error(path) == [
        "app.yaml:2:1: screens: unknown key 'screens'",
        "app.yaml:7:5: tables.members.colour: unknown key 'colour'",
    ]


def test_duplicate_keys():
    path = write("app.yaml", "app: shop\napp: again\n" + GOOD_TABLES + "      name: {type: integer}\n")
    assert build_error(path) == [
        "app.yaml:2:1: app: duplicate key 'app' (first defined at line 1)",
        "app.yaml:7:7: tables.members.fields.name: duplicate key 'name' (first defined at line 6)",
    ]


def test_non_text_key():
    path = write("app.yaml", "app: shop\n? [a, b]\n: c\n")
    assert build_error(path) == ["app.yaml:2:3: a key must be plain text"]


# -- expansion and nesting ------------------------------------------------------------------------
def test_billion_laughs():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = write("app.yaml", "\n".join(lines) + "\n")
    [error] = build_error(path)
    assert f"definition expands to more than {loader.MAX_NODES} nodes" in error


def test_recursive_anchor():
    path = write("app.yaml", "a: &x [*x]\n")
    assert build_error(path) == [
        "app.yaml:1:4: a[0]: an alias refers to the anchor that contains it (recursive anchor)"]


def test_recursive_anchor_in_a_mapping():
    path = write("app.yaml", "app: shop\ntables: &t\n  members: *t\n")
    [error] = build_error(path)
    assert "recursive anchor" in error


def test_undefined_alias():
    path = write("app.yaml", "app: shop\ntitle: *nowhere\n")
    [error] = build_error(path)
    assert error.startswith("app.yaml:2:8: invalid YAML: ") and "alias" in error


@pytest.mark.parametrize("text", [
    "[" * 10_000 + "\n",                                   # unclosed
    "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
], ids=["open-brackets", "closed-brackets", "flow-mappings"])
def test_deep_nesting(text):
    path = write("app.yaml", text)
    [error] = build_error(path)
    assert f"nesting deeper than {loader.MAX_DEPTH} levels" in error


CRASH_PROBE = """
import sys
sys.path.insert(0, {root!r})
from builder import BuildFailed, compile_app
try:
    compile_app(sys.argv[1])
except BuildFailed as exc:
    print("\\n".join(map(str, exc.errors)))
"""


@pytest.mark.parametrize("text", [
    "a: " + "[" * 2_000_000 + "]" * 2_000_000 + "\n",
    "a:\n  " + "- " * 2_000_000 + "x\n",
], ids=["2M-brackets", "2M-block-dashes"])
def test_nesting_deep_enough_to_overflow_the_c_stack(text):
    """The YAML composer recurses per level in C: millions of levels crashed the interpreter
    (SIGSEGV) before the loader counted the depth from the parser's events first."""
    path = write("app.yaml", text)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", CRASH_PROBE.format(root=str(ROOT)), path],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    assert f"nesting deeper than {loader.MAX_DEPTH} levels" in proc.stdout
    assert time.monotonic() - started < LIMIT_S + 2     # + the interpreter's start-up


# -- size -----------------------------------------------------------------------------------------
def test_50_mb_file_is_refused_by_size_without_parsing(monkeypatch):
    with open("big.yaml", "wb") as fh:     # sparse: 50 MB on paper, instant to make
        fh.truncate(50 * 1024 * 1024)

    def must_not_parse(*args, **kwargs):
        raise AssertionError("a file over the size limit reached the YAML parser")

    monkeypatch.setattr(loader, "load_text", must_not_parse)
    monkeypatch.setattr(loader.yaml, "compose", must_not_parse)
    started = time.monotonic()
    errors = build_error("big.yaml", seconds=5.0)        # refused by its size: no parse to wait for
    assert time.monotonic() - started < 5.0
    assert errors == ["big.yaml:1:1: file is 50.0 MB; a definition may be at most 5 MB "
                      "(split it with 'include:')"]


def test_one_megabyte_string_value():
    path = write("app.yaml", "app: shop\ntitle: " + "x" * (1024 * 1024) + "\n" + GOOD_TABLES)
    assert build_error(path) == ["app.yaml:2:8: title: must be at most 200 characters"]


def test_one_megabyte_quoted_expression():
    path = write("app.yaml", "app: shop\ntables:\n  t:\n    fields:\n      a: {type: integer}\n"
                             "      f: {type: formula, expression: \"" + "record.a + " * 100_000 + "1\"}\n")
    [error] = build_error(path)
    assert error.startswith("app.yaml:6:") and "tables.t.fields.f.expression" in error


def test_huge_integer():
    path = write("app.yaml", "app: shop\nversion: " + "9" * 5000 + "\n")
    assert build_error(path) == ["app.yaml:2:10: version: number with too many digits"]


def test_large_integer_where_a_small_one_goes():
    path = write("app.yaml", "app: shop\n" + GOOD_TABLES.replace("{type: text}", "{type: text, max_length: "
                                                                    + "9" * 40 + "}"))
    assert build_error(path) == ["app.yaml:5:38: tables.members.fields.name.max_length: must be at most 100000"]


def test_many_unsortable_items_in_a_unique_list():
    """jsonschema's uniqueItems compares mappings pairwise: 5,000 took 85 s before the builder's
    own linear check."""
    items = ", ".join(f"{{k{i}: 1}}" for i in range(5000))
    path = write("app.yaml", f"app: shop\nroles: [{items}]\n")
    errors = build_error(path)
    assert errors[0] == "app.yaml:2:9: roles[0]: expected a text, got a mapping"
    assert len(errors) == 101 and "more errors not shown" in errors[-1]


# -- encoding and tags ------------------------------------------------------------------------------
def test_non_utf8_bytes():
    path = write("app.yaml", b"app: shop\ntitle: caf\xe9\n")
    assert build_error(path) == ["app.yaml:2:1: file is not UTF-8 text; save it as UTF-8"]


def test_utf8_bom_is_accepted():
    path = write("app.yaml", "\ufeffapp: shop\n" + GOOD_TABLES)
    app, errors = run_guarded(path)
    assert errors is None and app.name == "shop"


@pytest.mark.parametrize("tag, shown", [
    ("!!python/object:os.system", "!!python/object:os.system"),
    ("!!python/object/apply:os.system", "!!python/object/apply:os.system"),
    ("!!python/name:os.system", "!!python/name:os.system"),
    ("!custom", "!custom"),
    ("!!set", "!!set"),
])
def test_tags_are_refused(tag, shown, in_tmp):
    marker = in_tmp / "ran"
    path = write("app.yaml", f"app: shop\ntitle: {tag} [touch {marker}]\n")
    assert build_error(path) == [
        f"app.yaml:2:8: title: the tag '{shown}' is not allowed: a definition holds only texts, "
        "numbers, true/false, lists and mappings"]
    assert not marker.exists()


def test_python_object_tag_on_a_mapping_runs_nothing(in_tmp):
    marker = in_tmp / "ran"
    path = write("app.yaml", "app: shop\ntables: !!python/object/apply:os.system\n"
                             f"  args: ['touch {marker}']\n")
    [error] = build_error(path)
    assert "the tag '!!python/object/apply:os.system' is not allowed" in error
    assert not marker.exists()


def test_binary_tag():
    path = write("app.yaml", "app: shop\ntitle: !!binary aGVsbG8=\n")
    assert build_error(path) == ["app.yaml:2:8: title: binary values are not allowed"]


# -- not a definition -------------------------------------------------------------------------------
def test_empty_file():
    path = write("app.yaml", "")
    assert build_error(path) == ["app.yaml:1:1: file is empty"]


def test_only_whitespace():
    path = write("app.yaml", "\n\n   \n")
    assert build_error(path) == ["app.yaml:1:1: file is empty"]


def test_only_a_comment():
    path = write("app.yaml", "# yaml-language-server: $schema=app.schema.json\n# nothing yet\n")
    assert build_error(path) == ["app.yaml:1:1: file is empty"]


def test_a_scalar_at_the_top():
    path = write("app.yaml", "just some text\n")
    assert build_error(path) == ["app.yaml:1:1: a definition must be a mapping (key: value) at the top"]


def test_directory_path():
    Path("folder.yaml").mkdir()
    assert build_error("folder.yaml") == ["folder.yaml:1:1: is a folder, not a definition file"]


def test_missing_file():
    assert build_error("nowhere.yaml") == ["nowhere.yaml:1:1: file not found"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_endless_device_is_not_read():
    assert build_error("/dev/zero") == ["/dev/zero:1:1: is not a regular file"]


@pytest.mark.skipif(sys.platform == "win32", reason="no named pipes")
def test_named_pipe_does_not_block():
    import os
    os.mkfifo("pipe.yaml")
    assert build_error("pipe.yaml") == ["pipe.yaml:1:1: is not a regular file"]


def test_include_of_a_missing_and_a_broken_file():
    write("parts/bad.yaml", "tables: [\n")
    path = write("app.yaml", "app: shop\ninclude: [parts/bad.yaml, parts/none.yaml, 7]\n" + GOOD_TABLES)
    errors = build_error(path)
    assert errors[:2] == [
        "app.yaml:2:27: include[1]: included file 'parts/none.yaml' not found",
        "app.yaml:2:44: include[2]: expected a file name",
    ]
    assert len(errors) == 3 and errors[2].startswith("parts/bad.yaml:2:1: invalid YAML: ")


def test_self_include():
    path = write("app.yaml", "app: shop\ninclude: [app.yaml]\n" + GOOD_TABLES)
    assert build_error(path) == ["app.yaml:2:11: include[0]: include cycle: app.yaml -> app.yaml"]


# -- ordinary YAML features keep working -------------------------------------------------------------
def test_merge_keys_and_anchors_work():
    path = write("app.yaml", """\
app: shop
tables:
  members:
    fields:
      name: &name {type: text, required: true, max_length: 50, label: Name}
      nickname:
        <<: *name
        required: false
        label: Nickname
      points: &points {type: integer, min: 0, default: 0}
      bonus: *points
  staff:
    fields:
      name: *name
      extra:
        <<: [*points, {label: Extra}]
        max: 10
""")
    app, errors = run_guarded(path)
    assert errors is None
    members = app.tables["members"].fields
    assert members["name"].required and members["name"].max_length == 50
    assert members["nickname"].required is False and members["nickname"].max_length == 50
    assert str(members["nickname"].label) == "Nickname"
    assert members["bonus"].type == "integer" and members["bonus"].min == 0
    staff = app.tables["staff"].fields
    assert staff["name"].max_length == 50
    assert staff["extra"].type == "integer" and staff["extra"].max == 10 and str(staff["extra"].label) == "Extra"


def test_merge_of_a_non_mapping_is_an_error():
    path = write("app.yaml", "app: shop\nbase: &b [1, 2]\ntitle:\n  <<: *b\n")
    errors = build_error(path)
    assert "app.yaml:4:3: title: '<<' merges only mappings" in errors


def test_errors_inside_an_aliased_mapping_point_at_the_anchor():
    path = write("app.yaml", "app: shop\ntables:\n  members:\n    fields:\n"
                             "      a: &spec {type: integer, default: lots}\n      b: *spec\n")
    errors = build_error(path)
    assert errors == [
        "app.yaml:5:41: tables.members.fields.a.default: invalid default 'lots': must be a whole number",
        "app.yaml:5:41: tables.members.fields.b.default: invalid default 'lots': must be a whole number",
    ]


def test_flood_of_errors_is_capped_and_quick():
    fields = "".join(f"      f{i}: {{type: nope}}\n" for i in range(20_000))
    path = write("app.yaml", "app: shop\ntables:\n  t:\n    fields:\n" + fields)
    errors = build_error(path)
    assert len(errors) == 101
    assert errors[-1].endswith("more errors not shown (only the first 100 are); fix these first")


def test_errors_in_a_mapping_with_merged_keys_point_into_that_mapping():
    path = write("app.yaml", """\
app: shop
tables:
  members:
    fields:
      base: &b {type: integer, min: 0, label: Base}
      other:
        <<: *b
        default: lots
      loose:
        <<: {label: Loose}
        max_length: 5
""")
    assert build_error(path) == [
        "app.yaml:8:18: tables.members.fields.other.default: invalid default 'lots': must be a whole number",
        "app.yaml:10:9: tables.members.fields.loose: missing required key 'type'",
    ]


# -- includes -----------------------------------------------------------------------------------------
def test_include_chain_that_doubles_at_every_step_is_loaded_once_per_file():
    """f1 includes f2 twice, f2 includes f3 twice, ...: 2**30 loads before files were loaded once."""
    write("app.yaml", "app: shop\ninclude: [f1.yaml, f1.yaml]\n" + GOOD_TABLES)
    for i in range(1, 31):
        write(f"f{i}.yaml", f"include: [f{i + 1}.yaml, f{i + 1}.yaml]\n")
    write("f31.yaml", "roles: [admin]\n")
    errors = build_error("app.yaml")
    assert errors[0] == "app.yaml:2:20: include[1]: 'f1.yaml' is already included (at app.yaml:2:11)"
    assert len(errors) == 31


def test_same_file_included_by_two_parts():
    write("common.yaml", "tables:\n  shared:\n    fields:\n      a: {type: text}\n")
    write("a.yaml", "include: [common.yaml]\n")
    write("b.yaml", "include: [common.yaml]\n")
    write("app.yaml", "app: shop\ninclude: [a.yaml, b.yaml]\n" + GOOD_TABLES)
    assert build_error("app.yaml") == [
        "b.yaml:1:11: include[0]: 'common.yaml' is already included (at a.yaml:1:11)"]


def test_too_many_included_files():
    names = [f"part{i}.yaml" for i in range(250)]
    for n in names:
        write(n, "roles: [staff]\n")
    write("app.yaml", "app: shop\ninclude: [" + ", ".join(names) + "]\n" + GOOD_TABLES)
    errors = build_error("app.yaml")
    assert len(errors) == 51
    assert all(e.endswith("an app may consist of at most 200 files") for e in errors)


def test_long_unknown_time_zone_is_shortened():
    path = write("app.yaml", "app: shop\ntimezone: " + "Z" * 5000 + "\n" + GOOD_TABLES)
    [error] = build_error(path)
    assert error == "app.yaml:2:11: timezone: unknown time zone '" + "Z" * 57 + \
        "...' (use an IANA name such as 'Asia/Shanghai')"


def test_long_names_and_values_are_shortened_in_messages():
    long = "k" * 300_000
    key = "k" * 1000                     # YAML allows at most 1024 characters in a plain key
    path = write("app.yaml", f"app: shop\n{key}: 1\ntables:\n  t:\n    title_field: {long}\n"
                             f"    fields:\n      a: {{type: link, table: {long}}}\n"
                             f"      b: {{type: integer, default: {long}}}\n")
    errors = build_error(path)          # also checks every line is under 2,000 characters
    assert errors == [
        f"app.yaml:2:1: {'k' * 77}...: unknown key '{'k' * 77}...'",
        f"app.yaml:5:18: tables.t.title_field: unknown field '{'k' * 77}...'",
        f"app.yaml:7:30: tables.t.fields.a.table: unknown table '{'k' * 77}...'",
        f"app.yaml:8:35: tables.t.fields.b.default: invalid default '{'k' * 77}...': must be a whole number",
    ]


def test_impossible_dates_are_left_to_the_field_type():
    """YAML reads 2024-02-30 as a timestamp; building it raised a bare ValueError (a traceback)."""
    path = write("app.yaml", "app: shop\ntables:\n  t:\n    fields:\n"
                             "      d: {type: date, default: 2024-02-30}\n      e: {type: date, max: 2024-13-45}\n")
    assert build_error(path) == [
        "app.yaml:5:32: tables.t.fields.d.default: invalid default '2024-02-30': must be a date such as 2024-03-05",
        "app.yaml:6:28: tables.t.fields.e.max: invalid max '2024-13-45': must be a date such as 2024-03-05",
    ]


def test_field_type_that_is_not_a_name():
    """`type: []` crashed the schema step (an unhashable value looked up among the types)."""
    path = write("app.yaml", "app: shop\ntables:\n  t:\n    fields:\n"
                             "      a: {type: []}\n      b: {type: {x: 1}}\n      c: {type: null}\n")
    errors = build_error(path)
    assert [e.split(" (one of: ")[0] for e in errors] == [
        "app.yaml:5:17: tables.t.fields.a.type: expected a field type",
        "app.yaml:6:17: tables.t.fields.b.type: expected a field type",
        "app.yaml:7:17: tables.t.fields.c.type: expected a field type",
    ]
    assert all(e.endswith(", got a list") or e.endswith(", got a mapping") or e.endswith(", got nothing")
               for e in errors)
