"""M4 pages for store staff (apps/membership-card.yaml `pages:`): "Open a card", "Top up" and
"Checkout", which find the member by phone or card number, acted out by a signed-in staff member."""
from decimal import Decimal

import sqlalchemy as sa

from tests.screens_fixture import field_error, post_form, section, text_of
from tests.test_card_rules import APP, client_for, shop  # noqa: F401  (the fixture)

OPEN, TOP_UP, CHECKOUT = (f"/{APP}/pages/{n}" for n in ("open_card", "top_up", "checkout"))


def rows(inst, table, **where):
    t = inst.form.sql[table]
    stmt = sa.select(t).where(*[t.c[k] == v for k, v in where.items()]).order_by(t.c.id)
    with inst.form.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def card_of(inst, member):
    return inst.records.create("cards", {"member": member["id"]})


def test_M4_open_a_card_for_a_new_member_then_a_card(shop):
    platform, inst, app, store, lily = shop
    zhang, _h = client_for(app, "zhang")
    page = zhang.get(f"{OPEN}?q=13700000007").get_data(as_text=True)
    assert "没有找到：13700000007" in text_of(page)
    resp = post_form(zhang, f"{OPEN}?q=13700000007", page, 1,
                     {"name": "王五", "phone": "137 0000 0007", "birthday": "1990-05-01", "tier": "normal"})
    assert resp.status_code == 303
    (wang,) = rows(inst, "members", name="王五")
    assert (wang["store"], wang["channel"]) == (store["id"], "store")     # the staff member's store
    page = zhang.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已找到：王五" in text_of(page) and "新会员" not in text_of(page)
    assert "暂无记录" in section(page, "已有会员卡")
    resp = post_form(zhang, resp.headers["Location"], page, 4, {})
    assert resp.status_code == 303
    (card,) = rows(inst, "cards", member=wang["id"])
    assert (card["status"], card["issued_by_store"], Decimal(card["balance"])) == ("normal", store["id"], 0)
    page = zhang.get(resp.headers["Location"]).get_data(as_text=True)
    assert card["card_no"] in section(page, "已有会员卡")


def test_M4_a_new_member_with_a_bad_phone_is_told_next_to_the_field(shop):
    platform, inst, app, store, lily = shop
    zhang, _h = client_for(app, "zhang")
    page = zhang.get(OPEN).get_data(as_text=True)
    resp = post_form(zhang, OPEN, page, 1, {"name": "王五", "phone": "12345", "tier": "normal"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_error(page, "phone") != "" and field_error(page, "name") == ""
    assert 'value="王五"' in page                   # what was typed is kept
    assert rows(inst, "members", name="王五") == []
    resp = post_form(zhang, OPEN, page, 1, {"name": "", "phone": "13700000007", "tier": "normal"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and field_error(page, "name") != "" and field_error(page, "phone") == ""
    resp = post_form(zhang, OPEN, page, 1, {"name": "李丽", "phone": "13900000001", "tier": "normal"})  # Lily's
    assert resp.status_code in (409, 422) and field_error(resp.get_data(as_text=True), "phone") != ""
    assert len(rows(inst, "members")) == 1


def test_M4_top_up_finds_the_member_by_card_number_and_credits_the_card(shop):
    platform, inst, app, store, lily = shop
    card = card_of(inst, lily)
    zhang, _h = client_for(app, "zhang")
    url = f"{TOP_UP}?q={card['card_no']}"
    page = zhang.get(url).get_data(as_text=True)
    assert "已找到：李丽" in text_of(page) and card["card_no"] in section(page, "会员卡")
    assert f'<option value="{card["id"]}"' in page          # the member's own cards to choose from
    resp = post_form(zhang, url, page, 2, {"card": str(card["id"]), "amount": "200", "bonus": "20",
                                           "payment_method": "cash"})
    assert resp.status_code == 303
    (top,) = rows(inst, "top_ups", card=card["id"])
    assert (Decimal(top["amount"]), Decimal(top["bonus"]), top["store"]) == (Decimal("200.00"), Decimal("20.00"),
                                                                            store["id"])
    assert Decimal(inst.records.get("cards", card["id"])["balance"]) == Decimal("220.00")
    (entry,) = rows(inst, "card_ledger", card=card["id"])
    assert (Decimal(entry["amount"]), entry["reason"]) == (Decimal("220.00"), "top_up")
    assert "¥220.00" in section(zhang.get(url).get_data(as_text=True), "会员卡")


def test_M4_a_lost_card_cannot_be_topped_up_and_says_why_next_to_the_card(shop):
    platform, inst, app, store, lily = shop
    card = card_of(inst, lily)
    inst.records.update("cards", card["id"], {"status": "lost"})
    zhang, _h = client_for(app, "zhang")
    url = f"{TOP_UP}?q=13900000001"
    page = zhang.get(url).get_data(as_text=True)
    resp = post_form(zhang, url, page, 2, {"card": str(card["id"]), "amount": "100", "payment_method": "cash"})
    assert resp.status_code == 422
    assert field_error(resp.get_data(as_text=True), "card") == "此卡已挂失或注销，不能充值"
    assert rows(inst, "top_ups") == [] and rows(inst, "card_ledger") == []


def test_M4_checkout_by_phone_records_a_consumption_paid_by_card(shop):
    platform, inst, app, store, lily = shop
    card = card_of(inst, lily)
    inst.records.create("top_ups", {"card": card["id"], "amount": "500", "store": store["id"]})
    zhang, _h = client_for(app, "zhang")
    url = f"{CHECKOUT}?q=139 0000 0001"
    page = zhang.get(url).get_data(as_text=True)
    assert "姓名 李丽" in text_of(page) and "当前积分 100" in text_of(page)
    resp = post_form(zhang, url, page, 3, {"card": str(card["id"]), "amount": "123.40",
                                           "payment_method": "card_balance"})
    assert resp.status_code == 303
    (sale,) = rows(inst, "consumptions", member=lily["id"])
    assert (Decimal(sale["amount"]), sale["store"], sale["card"], sale["points_earned"]) == \
        (Decimal("123.40"), store["id"], card["id"], 12)
    assert Decimal(inst.records.get("cards", card["id"])["balance"]) == Decimal("376.60")
    assert inst.records.get("members", lily["id"])["points"] == 112        # 100 opening + 123.40 / 10
    page = zhang.get(url).get_data(as_text=True)
    assert "当前积分 112" in text_of(page) and sale["receipt_no"] in section(page, "最近消费")


def test_M4_checkout_refuses_more_than_the_card_holds_and_keeps_nothing(shop):
    platform, inst, app, store, lily = shop
    card = card_of(inst, lily)
    zhang, _h = client_for(app, "zhang")
    url = f"{CHECKOUT}?q={card['card_no']}"
    page = zhang.get(url).get_data(as_text=True)
    resp = post_form(zhang, url, page, 3, {"card": str(card["id"]), "amount": "50",
                                           "payment_method": "card_balance"})
    assert resp.status_code in (409, 422)
    page = resp.get_data(as_text=True)
    assert "余额不足" in text_of(page) or "insufficient" in text_of(page)
    assert 'value="50"' in page
    resp = post_form(zhang, url, page, 3, {"card": str(card["id"]), "amount": "-3", "payment_method": "cash"})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "amount") != ""
    assert rows(inst, "consumptions") == [] and inst.records.get("members", lily["id"])["points"] == 100


def test_M4_the_staff_pages_are_not_for_members(shop):
    platform, inst, app, store, lily = shop
    lily_client, _h = client_for(app, "lily")
    for url in (OPEN, TOP_UP, CHECKOUT):
        assert lily_client.get(url + "?q=13900000001").status_code == 404
    zhang, _h = client_for(app, "zhang")
    assert "没有找到：nobody" in text_of(zhang.get(f"{CHECKOUT}?q=nobody").get_data(as_text=True))


def test_M4_a_top_up_at_another_store_is_refused_with_a_message(shop):
    """`values: {store: =user.store}`: a staff account without a staff record (so without a store)
    cannot top up, because the table's rule lets staff create top-ups of their own store only."""
    platform, inst, app, store, lily = shop
    from runtime.auth import create_user, grant
    create_user(platform, "wei", "long enough pw")
    grant(platform, "wei", APP, "store_staff")
    card = card_of(inst, lily)
    wei, _h = client_for(app, "wei")
    url = f"{TOP_UP}?q=13900000001"
    page = wei.get(url).get_data(as_text=True)
    resp = post_form(wei, url, page, 2, {"card": str(card["id"]), "amount": "100", "payment_method": "cash"})
    assert resp.status_code == 403
    assert "你没有权限新建储值充值" in text_of(resp.get_data(as_text=True))
    assert rows(inst, "top_ups") == [] and Decimal(inst.records.get("cards", card["id"])["balance"]) == 0


def test_M4_no_top_up_form_before_the_member_is_found(shop):
    platform, inst, app, store, lily = shop
    card = card_of(inst, lily)
    zhang, _h = client_for(app, "zhang")
    page = zhang.get(TOP_UP).get_data(as_text=True)
    assert 'name="_component"' not in page and card["card_no"] not in page     # nobody's cards on show
    resp = post_form(zhang, f"{TOP_UP}?q=13000000000", page, 2,
                     {"card": str(card["id"]), "amount": "100", "payment_method": "cash"})
    assert resp.status_code == 422
    assert "请先查找到记录：本次没有保存。" in text_of(resp.get_data(as_text=True))
    assert rows(inst, "top_ups") == []
