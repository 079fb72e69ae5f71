"""The designer's writer of definition files (runtime/designer/roundtrip.py) and its build check
(runtime/designer/checking.py): what a saved design leaves in the file, and where its errors point.
The designer's pages are not built yet; these test the two pieces they will use."""
from __future__ import annotations

import difflib
import shutil

from builder import compile_app
from runtime.designer import checking, roundtrip
from tests.conftest import ROOT

SHOP = ROOT / "tests" / "pages_fixture" / "shop.yaml"


def designed_from(text: str) -> dict:
    """The tables as the designer page would send them back unchanged."""
    return {name: roundtrip.plain(spec) for name, spec in roundtrip.load(text)["tables"].items()}


def changed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_an_unchanged_design_writes_the_shipped_apps_back_byte_for_byte():
    for path in (SHOP, ROOT / "apps" / "loyalty.yaml", ROOT / "apps" / "membership-card.yaml"):
        text = path.read_text(encoding="utf-8")
        tables = designed_from(text)
        assert roundtrip.apply(text, tables, editable=set(tables)) == text, path


def test_making_a_field_required_changes_that_field_only_and_keeps_the_comments(tmp_path):
    text = SHOP.read_text(encoding="utf-8")
    tables = designed_from(text)
    tables["members"]["fields"]["phone"]["required"] = True
    out = roundtrip.apply(text, tables, editable=set(tables))
    removed_added = changed_lines(text, out)
    assert len(removed_added) == 2 and all("phone:" in ln for ln in removed_added), removed_added
    assert out.startswith("# The small shop the page tests")          # the file's comment stays
    target = tmp_path / "shop.yaml"
    target.write_text(out, encoding="utf-8")
    assert compile_app(str(target)).tables["members"].fields["phone"].required


def test_a_new_field_lands_where_it_was_dropped_and_the_file_still_builds(tmp_path):
    text = SHOP.read_text(encoding="utf-8")
    tables = designed_from(text)
    fields = tables["members"]["fields"]
    order = list(fields)
    at = order.index("phone") + 1
    fields_new = {k: fields[k] for k in order[:at]}
    fields_new["mobile"] = {"type": "phone", "required": True, "label": {"zh": "手机", "en": "Mobile"}}
    fields_new.update({k: fields[k] for k in order[at:]})
    tables["members"]["fields"] = fields_new
    out = roundtrip.apply(text, tables, editable=set(tables))
    target = tmp_path / "shop.yaml"
    target.write_text(out, encoding="utf-8")
    built = compile_app(str(target)).tables["members"]
    assert list(built.fields).index("mobile") == list(built.fields).index("phone") + 1
    assert built.fields["mobile"].type == "phone" and built.fields["mobile"].required
    assert all(ln.startswith("+") for ln in changed_lines(text, out))  # nothing else rewritten


def test_a_builder_error_is_placed_at_its_table_field_and_key(make_platform, tmp_path):
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    platform = make_platform(tmp_path / "shop.yaml")
    text = SHOP.read_text(encoding="utf-8")
    tables = designed_from(text)
    tables["members"]["fields"]["points"]["min"] = "lots"
    result = checking.check(platform, "shop", roundtrip.apply(text, tables, editable=set(tables)))
    assert not result.ok
    [err] = [e for e in result.errors if e["field"] == "points"]
    assert (err["table"], err["key"], err["file"], err["in_this_file"]) == ("members", "min", "shop.yaml", True)
    points_line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith("points:"))
    assert err["line"] == points_line and err["text"].startswith(f"shop.yaml:{points_line}:")


def test_a_clean_design_shows_the_migration_plan_and_an_unchanged_one_says_so(make_platform, tmp_path):
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    platform = make_platform(tmp_path / "shop.yaml")
    text = SHOP.read_text(encoding="utf-8")
    assert checking.check(platform, "shop", text).unchanged
    tables = designed_from(text)
    tables["members"]["fields"]["nickname"] = {"type": "text", "max_length": 20}
    result = checking.check(platform, "shop", roundtrip.apply(text, tables, editable=set(tables)))
    assert result.ok and not result.needs_confirm
    assert any("nickname" in line for line in result.plan), result.plan
    del tables["members"]["fields"]["nickname"], tables["members"]["fields"]["avatar"]
    removing = checking.check(platform, "shop", roundtrip.apply(text, tables, editable=set(tables)))
    assert removing.ok and removing.needs_confirm


def test_a_stale_save_is_shown_as_a_diff_of_the_file_on_disk():
    started = SHOP.read_text(encoding="utf-8")
    on_disk = started.replace("max_length: 50", "max_length: 60")
    assert checking.digest(started) != checking.digest(on_disk)
    diff = checking.conflict_diff(started, on_disk, "shop.yaml")
    assert "-      name:   {type: text, required: true, max_length: 50" in diff
    assert "+      name:   {type: text, required: true, max_length: 60" in diff
