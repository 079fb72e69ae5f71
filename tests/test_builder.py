"""Build errors, one fixture per kind (like Lowdefy's build-errors/).

Each `tests/build_errors/<kind>/` holds `app.yaml` (and any files it includes) and `expected.txt`:
every error the builder reports for it, exactly as `tessera validate` prints them
(`FILE:LINE:COL: dotted.path: message`), sorted by position. The test compiles the fixture from
the repository root, so the file names are relative to it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from builder import BuildFailed, compile_app
from builder.errors import BuildError, Mark

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "build_errors"
KINDS = sorted(p.name for p in FIXTURES.iterdir() if (p / "app.yaml").exists())

REQUIRED_KINDS = {
    "invalid_yaml_syntax", "tab_indentation", "duplicate_key", "unknown_top_key", "unknown_table_key",
    "unknown_field_key", "unknown_field_type", "wrong_type", "bad_label", "missing_app",
    "bad_app_name", "bad_table_name", "unknown_link_table", "reserved_table_name",
    "reserved_field_name", "system_column_field", "unknown_title_field", "unknown_list_field",
    "bad_default", "bad_min_max", "bad_pattern_regex", "duplicate_option", "select_without_options",
    "formula_bad_expression", "formula_unknown_name", "lookup_unknown_link", "lookup_unknown_field",
    "rollup_no_link", "auto_number_bad_pattern", "include_missing_file", "include_cycle",
    "include_duplicate_table", "include_forbidden_key", "bad_timezone", "empty_file",
    "not_a_mapping", "multiple_errors",
}


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def errors_of(path: str) -> list[str]:
    with pytest.raises(BuildFailed) as info:
        compile_app(path)
    return [str(e) for e in info.value.errors]


def test_every_kind_has_a_fixture():
    assert REQUIRED_KINDS <= set(KINDS), sorted(REQUIRED_KINDS - set(KINDS))
    for kind in KINDS:
        assert (FIXTURES / kind / "expected.txt").is_file(), kind


@pytest.mark.parametrize("kind", KINDS)
def test_build_error_fixture(kind, at_root):
    expected = (FIXTURES / kind / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert expected, f"{kind}/expected.txt is empty"
    got = errors_of(f"tests/build_errors/{kind}/app.yaml")
    assert got == expected


@pytest.mark.parametrize("kind", KINDS)
def test_fixture_errors_have_the_documented_shape(kind, at_root):
    """FILE:LINE:COL: path: message, the file being one of the fixture's own files."""
    folder = f"tests/build_errors/{kind}/"
    for line in errors_of(folder + "app.yaml"):
        file, row, col, rest = line.split(":", 3)
        assert file.startswith(folder) and file.endswith(".yaml"), line
        assert int(row) >= 1 and int(col) >= 1, line
        assert rest.startswith(" ") and rest.strip(), line
        assert "Traceback" not in line and "jsonschema" not in line.lower(), line


def test_multiple_errors_are_all_collected_sorted_by_position(at_root):
    with pytest.raises(BuildFailed) as info:
        compile_app("tests/build_errors/multiple_errors/app.yaml")
    errors = info.value.errors
    assert len(errors) >= 4
    positions = [(e.mark.line, e.mark.column) for e in errors]
    assert positions == sorted(positions)
    # schema problems (wrong value types, unknown keys) and cross-reference problems found
    # after the schema check are reported in the same build
    messages = " | ".join(e.message for e in errors)
    for part in ("not a valid app name", "unknown key", "expected a whole number", "unknown field type",
                 "unknown table", "listed twice", "invalid default"):
        assert part in messages


def test_columns_point_at_keys_for_names_and_at_values_for_values(at_root):
    """Unknown, duplicate and reserved names: the key. Bad values: the value."""
    def first(kind):
        return errors_of(f"tests/build_errors/{kind}/app.yaml")[0]

    def column_text(kind, line):
        file, row, col, _ = line.split(":", 3)
        text = (ROOT / file).read_text(encoding="utf-8").splitlines()[int(row) - 1]
        return text[int(col) - 1:]

    assert column_text("unknown_table_key", first("unknown_table_key")).startswith("lable:")
    assert column_text("duplicate_key", first("duplicate_key")).startswith("name:")
    assert column_text("reserved_table_name", first("reserved_table_name")).startswith("order:")
    assert column_text("reserved_field_name", first("reserved_field_name")).startswith("select:")
    assert column_text("system_column_field", first("system_column_field")).startswith("id:")
    assert column_text("unknown_field_key", first("unknown_field_key")).startswith("scale:")
    assert column_text("wrong_type", first("wrong_type")).startswith('"yes please"')
    assert column_text("unknown_link_table", first("unknown_link_table")).startswith("member}")
    assert column_text("bad_default", first("bad_default")).startswith("abc}")
    assert column_text("unknown_field_type", first("unknown_field_type")).startswith("phon}")


def test_absolute_path_inside_the_working_directory_is_shown_relative(at_root):
    errors = errors_of(str(FIXTURES / "unknown_top_key" / "app.yaml"))
    assert errors[0].startswith("tests/build_errors/unknown_top_key/app.yaml:2:1: ")


def test_shipped_apps_compile(at_root):
    for name in ("apps/loyalty.yaml", "apps/membership-card.yaml"):
        app = compile_app(name)
        assert app.tables and app.source == name


def test_schema_errors_do_not_hide_cross_reference_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text(
        "app: shop\n"
        "tables:\n"
        "  members:\n"
        "    label: [not, a, label]\n"           # table-level schema error
        "    title_field: nmae\n"
        "    fields:\n"
        "      name: {type: text, required: maybe}\n"   # a broken field is still a known name
        "      card: {type: link, table: card}\n",
        encoding="utf-8")
    errors = errors_of("app.yaml")
    assert errors == [
        "app.yaml:4:12: tables.members.label: expected a text or a mapping {zh: ..., en: ...}, got a list",
        "app.yaml:5:18: tables.members.title_field: unknown field 'nmae' (did you mean 'name'?)",
        "app.yaml:7:36: tables.members.fields.name.required: expected true or false, got 'maybe'",
        "app.yaml:8:33: tables.members.fields.card.table: unknown table 'card'",
    ]


def test_a_bad_timezone_is_reported_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text(
        "app: shop\ntimezone: Mars/Olympus\ntables:\n  t:\n    fields:\n"
        "      a: {type: date}\n      b: {type: datetime}\n      n: {type: auto_number, pattern: 'N{000}'}\n",
        encoding="utf-8")
    assert errors_of("app.yaml") == [
        "app.yaml:2:11: timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as 'Asia/Shanghai')"]


def test_field_spec_written_as_a_bare_type_gets_a_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text("app: shop\ntables:\n  t:\n    fields:\n      phone: phone\n",
                                encoding="utf-8")
    assert errors_of("app.yaml") == [
        "app.yaml:5:14: tables.t.fields.phone: expected a mapping (key: value), got 'phone' "
        "(write phone: {type: phone})"]


def test_every_unknown_key_of_a_mapping_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text("app: shop\ncolour: red\nfoo: 1\n", encoding="utf-8")
    assert errors_of("app.yaml") == ["app.yaml:2:1: colour: unknown key 'colour'",
                                     "app.yaml:3:1: foo: unknown key 'foo'"]


def test_duplicate_role_points_at_the_repeat(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text("app: shop\nroles: [admin, staff, admin]\n", encoding="utf-8")
    assert errors_of("app.yaml") == ["app.yaml:2:23: roles[2]: 'admin' is listed twice"]


def test_pattern_of_a_setting_is_not_called_a_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text(
        "app: shop\ntables:\n  t:\n    fields:\n      price: {type: money, currency: usd}\n",
        encoding="utf-8")
    [error] = errors_of("app.yaml")
    assert error.startswith("app.yaml:5:38: tables.t.fields.price.currency: 'usd' is not valid here")
    assert "name" not in error


def test_min_today_on_a_date_field_is_accepted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("app.yaml").write_text(
        "app: shop\ntables:\n  t:\n    fields:\n"
        "      d: {type: date, min: today, max: '2999-12-31'}\n", encoding="utf-8")
    compile_app("app.yaml")


def test_too_many_errors_are_cut_with_a_note(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fields = "".join(f"      f{i}: {{type: integer, required: maybe}}\n" for i in range(150))
    Path("app.yaml").write_text("app: shop\ntables:\n  t:\n    fields:\n" + fields, encoding="utf-8")
    errors = errors_of("app.yaml")
    assert len(errors) == 101
    assert "more errors not shown" in errors[-1]


def test_error_rendering():
    assert str(BuildError(Mark("a.yaml", 3, 7), ("tables", "t", "list_fields", 2), "bad")) == \
        "a.yaml:3:7: tables.t.list_fields[2]: bad"
    assert str(BuildError(Mark("a.yaml", 1, 1), (), "file is empty")) == "a.yaml:1:1: file is empty"
