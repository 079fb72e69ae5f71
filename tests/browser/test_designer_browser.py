"""The form designer and the YAML editor in chromium, as an admin uses them on the loyalty app:
a phone field dragged onto the members form and made required is saved, the running app takes it at
once (its create page refuses a bad number and keeps a good one), and the file keeps its comments;
an error is shown at its field; a second admin's stale save is refused with the difference."""
from __future__ import annotations

import difflib

import pytest
import sqlalchemy as sa

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


DESK = {"viewport": {"width": 1280, "height": 1200}, "locale": "en-US"}     # the whole palette in view: no scrolling mid-drag


def removed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln.startswith("-") and not ln.startswith("---")]


def type_over(page, old: str, new: str) -> None:
    """Select the first `old` in the YAML editor and type `new` over it, key by key, as a person would."""
    page.eval_on_selector("#yaml-text", "(t, old) => { const at = t.value.indexOf(old); t.focus(); "
                                        "t.setSelectionRange(at, at + old.length); }", old)
    page.keyboard.type(new)


def designer(browse, base):
    """A signed-in admin's page on the loyalty designer, at the members table; (page, steps)."""
    page, step = browse(**DESK)
    sign_in(page, base)
    open_designer(page, base)
    return page, step


def open_designer(page, base):
    page.goto(f"{base}/_admin/designer/loyalty")
    page.click("#table-tabs [data-table=members]")
    page.wait_for_selector("#canvas li[data-field=name]")


def test_a_dragged_phone_field_made_required_is_saved_and_served_at_once(server, loyalty_file, browse):
    base, platform = server
    before = loyalty_file.read_text(encoding="utf-8")
    page, step = designer(browse, base)
    step("designer opened")
    assert page.get_attribute("#table-tabs [data-table=members]", "aria-selected") == "true"
    assert page.get_attribute("#table-tabs [role=tab]", "data-table") == "members"      # the file's order

    # dropped on the top half of `gender`: it lands between phone and gender
    page.drag_and_drop("#palette li[data-type=phone]", "#canvas li[data-field=gender]",
                       target_position={"x": 20, "y": 3})
    step("phone dropped")
    order = page.eval_on_selector_all("#canvas li[data-field]", "els => els.map(e => e.dataset.field)")
    assert order[order.index("phone") + 1] == "phone_1"
    page.fill("#prop-name", "mobile")
    page.press("#prop-name", "Tab")
    page.fill("#prop-label_en", "Mobile")
    page.fill("#prop-label_zh", "备用手机")
    page.check("#prop-required")
    step("properties set")
    assert page.inner_text("#preview label[for=preview-mobile]").startswith("Mobile")
    assert page.locator("#preview label[for=preview-mobile] .req").count() == 1
    assert page.get_attribute("#preview-mobile", "type") == "tel"

    page.click("#designer-save")
    page.wait_for_selector("#saved")
    step("saved")
    assert "mobile" in page.inner_text("#plan")

    after = loyalty_file.read_text(encoding="utf-8")
    assert removed_lines(before, after) == []                      # every comment and line is still there
    assert after.startswith("# yaml-language-server: $schema=")
    [new_line] = [ln for ln in after.splitlines() if ln.strip().startswith("mobile:")]
    assert "type: phone" in new_line and "required: true" in new_line
    assert after.index("mobile:") > after.index("      phone:") and after.index("mobile:") < after.index("      gender:")

    page.click("#open-form")
    page.wait_for_selector("#f-mobile")
    step("generated create page")
    assert page.get_attribute("#f-mobile", "required") is not None
    page.fill("#f-name", "王小明")
    page.fill("#f-mobile", "12345")
    page.eval_on_selector("form.record-form", "f => f.noValidate = true")   # let the server judge it
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#f-mobile-error")
    step("invalid phone refused")
    assert "not a valid phone number" in page.inner_text("#f-mobile-error")

    page.fill("#f-mobile", "138 1234 5678")
    page.eval_on_selector("form.record-form", "f => f.noValidate = true")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(lambda url: "/new" not in url)
    step("valid record saved")
    members = platform.apps["loyalty"].form.sql["members"]
    with platform.engine.connect() as conn:
        rows = conn.execute(sa.select(members.c.name, members.c.mobile)).all()
    assert [tuple(r) for r in rows] == [("王小明", "+8613812345678")]


def test_a_designer_error_is_shown_at_its_field_and_nothing_is_written(server, loyalty_file, browse):
    base, _ = server
    before = loyalty_file.read_text(encoding="utf-8")
    page, step = designer(browse, base)
    page.click("#canvas li[data-field=total_earned]")
    page.fill("#prop-min", "lots")
    step("a bad minimum typed")
    page.click("#designer-save")
    page.wait_for_selector("#save-errors")
    step("save refused")
    assert "min" in page.inner_text("#canvas li[data-field=total_earned] .field-error")
    assert page.locator("#canvas li[data-field=points] .field-error").count() == 0
    assert page.inner_text("#prop-min-error").strip()
    assert page.get_attribute("#prop-min", "aria-invalid") == "true"
    assert loyalty_file.read_text(encoding="utf-8") == before


def test_the_second_of_two_admins_saving_is_shown_the_difference(server, loyalty_file, browse):
    base, _ = server
    first, step1 = designer(browse, base)
    second, step2 = designer(browse, base)
    first.click("#canvas li[data-field=birthday]")
    first.check("#prop-required")
    first.click("#designer-save")
    first.wait_for_selector("#saved")
    step1("first admin saved")
    saved = loyalty_file.read_text(encoding="utf-8")

    second.click("#canvas li[data-field=region]")
    second.check("#prop-required")
    second.click("#designer-save")
    second.wait_for_selector("#conflict")
    step2("second admin refused")
    diff = second.inner_text("#conflict-diff")
    assert "+      birthday:" in diff and "required: true" in diff
    assert loyalty_file.read_text(encoding="utf-8") == saved          # nothing overwritten


def test_the_yaml_editor_lists_errors_with_their_lines_and_highlights_them(server, loyalty_file, browse):
    base, _ = server
    before = loyalty_file.read_text(encoding="utf-8")
    page, step = browse(**DESK)
    sign_in(page, base)
    page.goto(f"{base}/_admin/designer/loyalty/yaml")
    page.wait_for_selector("#yaml-status:has-text('valid')")
    text = page.input_value("#yaml-text")
    assert text == before
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith("name:") and "max_length: 50" in ln)
    type_over(page, "max_length: 50", "max_length: fifty")
    page.wait_for_selector("#yaml-errors li")
    step("error listed")
    listed = page.inner_text("#yaml-errors")
    assert f"line {line}: loyalty.yaml:{line}:" in listed and "max_length" in listed
    listed_lines = set(page.eval_on_selector_all("#yaml-errors li[data-line]", "els => els.map(e => e.dataset.line)"))
    marked = page.eval_on_selector_all("#yaml-backdrop mark", "els => els.map(e => e.dataset.line)")
    assert str(line) in marked and set(marked) == listed_lines
    assert [t.strip() for t in page.locator("#yaml-gutter .bad").all_inner_texts()] == marked
    page.click("#designer-save")
    page.wait_for_selector("#save-errors")
    assert loyalty_file.read_text(encoding="utf-8") == before

    type_over(page, "max_length: fifty", "max_length: 60")
    page.wait_for_selector("#yaml-status:has-text('valid')")
    assert page.locator("#yaml-backdrop mark").count() == 0
    page.click("#designer-save")
    page.wait_for_selector("#saved")
    step("saved")
    assert loyalty_file.read_text(encoding="utf-8") == text.replace("max_length: 50", "max_length: 60", 1)


def test_without_dragging_a_click_adds_a_field_and_the_buttons_move_it(server, browse):
    base, _ = server
    page, step = designer(browse, base)
    fields = "els => els.map(e => e.dataset.field)"
    count = len(page.eval_on_selector_all("#canvas li[data-field]", fields))
    page.click("#palette li[data-type=email]")
    assert page.eval_on_selector_all("#canvas li[data-field]", fields)[-1] == "email_1"
    page.click("#move-up")
    page.click("#move-up")
    step("moved up twice")
    order = page.eval_on_selector_all("#canvas li[data-field]", fields)
    assert len(order) == count + 1 and order.index("email_1") == count - 2
    assert page.get_attribute("#canvas li.selected", "data-field") == "email_1"


def test_a_changed_earn_rate_in_the_yaml_editor_is_simulated_before_it_is_saved(server, loyalty_file, browse):
    """Issue 9 from the definition editor: an operator raises the normal earn rate in the YAML editor,
    simulates last July on past orders without saving, and reads the extra points in the new tab;
    the file and the points served stay as they were."""
    import datetime as dt

    from engines.common import clock

    base, platform = server
    records = platform.apps["loyalty"].records
    with clock.fixed_at(dt.datetime(2026, 6, 20, 2)):
        member = records.create("members", {"name": "Mia", "phone": "13800138000"})
    for day, amount in ((3, "300.00"), (18, "120.40")):                    # two orders completed in July
        with clock.fixed_at(dt.datetime(2026, 7, day, 2)):
            order = records.create("orders", {"order_no": f"J-{day}", "member": member["id"], "amount": amount,
                                              "status": "paid"})
            records.update("orders", order["id"], {"status": "completed"})
    before = loyalty_file.read_bytes()
    page, step = browse(**DESK)
    sign_in(page, base)
    page.goto(f"{base}/_admin/designer/loyalty/yaml")
    page.wait_for_selector("#yaml-status:has-text('valid')")
    type_over(page, "{'normal': 1,", "{'normal': 2,")
    page.wait_for_selector("#yaml-status:has-text('valid')")
    page.fill("#yaml-simulate input[name=from]", "2026-07-01")
    page.fill("#yaml-simulate input[name=to]", "2026-07-31")
    step("rate changed, period set")
    with page.context.expect_page() as opened:
        page.click("#yaml-simulate-run")
    report = opened.value
    report.wait_for_selector("#sim-totals", timeout=60000)            # the run page reloads until it is done
    totals = report.inner_text("#sim-totals")
    assert "420\t840\t420" in totals, totals                       # issued: 300 + 120 points, doubled, the change
    assert "YAML editor, not saved" in report.inner_text("#sim-definition")
    assert loyalty_file.read_bytes() == before                       # nothing saved
    assert page.input_value("#yaml-text").count("{'normal': 2,") == 1   # the editor keeps the unsaved change
    with platform.engine.connect() as conn:
        ledger = platform.apps["loyalty"].form.sql["points_ledger"]
        assert conn.execute(sa.select(sa.func.sum(ledger.c.change))).scalar() == 420     # live points as they were
