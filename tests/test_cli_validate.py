"""`tessera validate FILE...` and `tessera schema --check`, run as the real console script."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from builder.schema import SCHEMA_FILE, build_schema

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["apps/loyalty.yaml", "apps/membership-card.yaml"]
ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$")


def tessera() -> str:
    beside = Path(sys.executable).parent / "tessera"
    if beside.exists():
        return str(beside)
    found = shutil.which("tessera")
    if not found:
        pytest.fail("the tessera console script is not installed (pip install -e .)")
    return found


def run(*args, cwd=ROOT, timeout=60):
    proc = subprocess.run([tessera(), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream, stream
        assert 'File "' not in stream, stream
    return proc


def error_lines(stderr: str) -> list[str]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and re.fullmatch(r"\d+ error\(s\)", lines[-1]), stderr
    body = lines[:-1]
    assert int(lines[-1].split()[0]) == len(body)
    for line in body:
        assert ERROR_LINE.match(line), f"not file:line:col: message: {line!r}"
    return body


def test_shipped_apps_validate():
    proc = run("validate", *SHIPPED)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout.splitlines()
    assert len(out) == 2
    for line, name in zip(out, SHIPPED):
        assert line.startswith(f"ok: {name}: app '"), line


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_app_validates_alone(name):
    proc = run("validate", name)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"ok: {name}")


def test_a_broken_file_exits_1_with_located_errors():
    fixture = "tests/build_errors/multiple_errors/app.yaml"
    proc = run("validate", fixture)
    assert proc.returncode == 1
    assert proc.stdout == ""
    expected = (ROOT / "tests/build_errors/multiple_errors/expected.txt").read_text(encoding="utf-8").splitlines()
    assert error_lines(proc.stderr) == expected


def test_several_files_report_errors_from_all(tmp_path):
    (tmp_path / "one.yaml").write_text("app: one\ntables:\n  t:\n    fields:\n      a: {type: phon}\n",
                                       encoding="utf-8")
    (tmp_path / "two.yaml").write_text("app: two\ntables:\n  t:\n    title_field: nmae\n"
                                       "    fields:\n      name: {type: text}\n", encoding="utf-8")
    (tmp_path / "three.yaml").write_text("app: three\ntables: [\n", encoding="utf-8")
    (tmp_path / "good.yaml").write_text("app: good\ntables:\n  t:\n    fields:\n      a: {type: text}\n",
                                        encoding="utf-8")
    proc = run("validate", "one.yaml", "good.yaml", "two.yaml", "three.yaml", "missing.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    lines = error_lines(proc.stderr)
    assert lines[0] == "missing.yaml:1:1: file not found"
    assert lines[1] == "one.yaml:5:17: tables.t.fields.a.type: unknown field type 'phon' (did you mean 'phone'?)"
    assert lines[2].startswith("three.yaml:3:1: invalid YAML: ")
    assert lines[3] == "two.yaml:4:18: tables.t.title_field: unknown field 'nmae' (did you mean 'name'?)"
    assert len(lines) == 4


def test_same_app_name_in_two_files(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("app: shop\ntables:\n  t:\n    fields:\n      a: {type: text}\n",
                                     encoding="utf-8")
    proc = run("validate", "a.yaml", "b.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc.stderr) == ["b.yaml:1:1: app: app name 'shop' is also used by a.yaml"]


def test_shipped_apps_together_with_a_broken_one():
    proc = run("validate", *SHIPPED, "tests/build_errors/unknown_link_table/app.yaml")
    assert proc.returncode == 1
    assert error_lines(proc.stderr) == (
        ROOT / "tests/build_errors/unknown_link_table/expected.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("kind", ["invalid_yaml_syntax", "tab_indentation", "empty_file", "not_a_mapping",
                                  "include_cycle", "include_forbidden_key"])
def test_cli_prints_the_fixture_errors(kind):
    proc = run("validate", f"tests/build_errors/{kind}/app.yaml")
    assert proc.returncode == 1
    expected = (ROOT / "tests/build_errors" / kind / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert error_lines(proc.stderr) == expected


def test_hostile_inputs_through_the_cli(tmp_path):
    (tmp_path / "bomb.yaml").write_text(
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)),
        encoding="utf-8")
    (tmp_path / "tag.yaml").write_text("app: x\ntitle: !!python/object/apply:os.system [echo hi]\n",
                                       encoding="utf-8")
    (tmp_path / "bytes.yaml").write_bytes(b"app: x\n\xff\xfe\n")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000 + "\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    with open(tmp_path / "big.yaml", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    proc = run("validate", "bomb.yaml", "tag.yaml", "bytes.yaml", "deep.yaml", "folder", "big.yaml",
               cwd=tmp_path)
    assert proc.returncode == 1
    lines = error_lines(proc.stderr)
    assert {line.split(":", 1)[0] for line in lines} == {"bomb.yaml", "tag.yaml", "bytes.yaml", "deep.yaml",
                                                        "folder", "big.yaml"}
    assert "hi" not in proc.stdout


def test_validate_needs_a_file():
    proc = run("validate")
    assert proc.returncode == 2
    assert "Missing argument" in proc.stderr


# -- the shipped JSON Schema ------------------------------------------------------------------------
def test_shipped_schema_is_current():
    proc = run("schema", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout


def test_shipped_schema_equals_the_generated_one():
    shipped = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == build_schema()


def test_shipped_schema_is_a_valid_draft_2020_12_schema():
    shipped = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(shipped)


def test_shipped_schema_accepts_the_shipped_apps():
    """What editors see (the whole schema, with its if/then dispatch) agrees with the builder."""
    from builder.loader import load_file

    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    for name in SHIPPED:
        data, _ = load_file(ROOT / name)
        assert list(validator.iter_errors(data)) == [], name


def test_shipped_schema_refuses_what_the_builder_refuses():
    from builder.loader import load_file

    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    for kind in ("unknown_field_key", "unknown_field_type", "wrong_type", "bad_label", "unknown_top_key",
                 "unknown_table_key", "bad_app_name", "bad_table_name"):
        data, _ = load_file(ROOT / "tests/build_errors" / kind / "app.yaml")
        assert list(validator.iter_errors(data)), kind


# -- the reference generated from it ----------------------------------------------------------------
def test_shipped_reference_is_current_and_names_every_field_type_action_and_node():
    proc = run("reference", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    from engines.flow.nodes import NODES
    from engines.form.fields import field_types
    from engines.rules.actions import ACTIONS
    for name in list(field_types()) + list(ACTIONS) + list(NODES):
        assert f"`{name}`" in text, name
    assert "| `points_cost`" not in text        # the language's keys, not an app's fields
