"""The audit log: each write of each source, with actor, time, source and before/after values."""
import pytest
import sqlalchemy as sa

from engines.form.errors import ValidationFailed


def entries(platform, **kw):
    with platform.engine.connect() as conn:
        return platform.audit.search(conn, **kw)


def test_create_update_delete_are_audited_with_changes(shop_platform):
    shop = shop_platform.apps["shop"]
    m = shop.records.create("members", {"name": "张三", "points": 5}, actor=3, source="page")
    shop.records.update("members", m["id"], {"points": 8, "name": "张三"}, actor=4, source="api")
    o = shop.records.create("orders", {"order_no": "A1", "member": m["id"], "amount": "9.90"}, source="import")
    shop.records.delete("orders", o["id"], actor=4, source="api")
    with shop_platform.engine.connect() as conn:
        hist = shop_platform.audit.history(conn, "shop", "members", m["id"])
    assert [(e["action"], e["actor"], e["source"]) for e in hist] == [("update", 4, "api"), ("create", 3, "page")]
    assert hist[0]["changes"] == {"points": [5, 8]}          # only what changed
    assert hist[1]["changes"]["name"] == [None, "张三"]
    assert hist[0]["at"].tzinfo is not None
    deleted = entries(shop_platform, table="orders")
    assert [e["action"] for e in deleted] == ["delete", "create"]
    assert deleted[0]["changes"]["amount"] == ["9.90", None]  # money exact, as text
    assert deleted[1]["source"] == "import"


def test_refused_write_leaves_no_audit_entry(shop_platform):
    shop = shop_platform.apps["shop"]
    with pytest.raises(ValidationFailed):
        shop.records.create("members", {"points": -1})
    shop.form.subscribers.add(lambda ev, w: (_ for _ in ()).throw(RuntimeError("rule failed")), table="orders")
    m = shop.records.create("members", {"name": "a"})
    with pytest.raises(RuntimeError):
        shop.records.create("orders", {"order_no": "X", "member": m["id"]})
    assert [e["tbl"] for e in entries(shop_platform)] == ["members"]


def test_cascaded_writes_are_audited_too(shop_platform):
    shop = shop_platform.apps["shop"]
    m = shop.records.create("members", {"name": "a"})

    def earn(ev, writer):
        if ev.kind == "created":
            writer.update("members", ev.new["member"], {"points": 10})

    shop.form.subscribers.add(earn, table="orders")
    shop.records.create("orders", {"order_no": "A1", "member": m["id"]}, actor=9, source="api")
    member_entries = entries(shop_platform, table="members")
    assert member_entries[0]["changes"] == {"points": [0, 10]} and member_entries[0]["actor"] == 9


def test_search_by_text_and_paging(shop_platform):
    shop = shop_platform.apps["shop"]
    for i in range(5):
        shop.records.create("members", {"name": f"name{i}"})
    assert len(entries(shop_platform, text="name3")) == 1
    first = entries(shop_platform, limit=2)
    more = entries(shop_platform, limit=2, before_id=first[-1]["id"])
    assert [e["id"] for e in more] == [first[-1]["id"] - 1, first[-1]["id"] - 2]


def test_detail_page_history_and_admin_audit_page(shop_platform, admin_user):
    from runtime.auth import create_user, grant
    from runtime.webapp import create_app
    from tests.conftest import ADMIN_PASSWORD, sign_in, submit

    client = create_app(shop_platform).test_client()
    sign_in(client, "boss", ADMIN_PASSWORD)
    r = submit(client, "/shop/members/new", {"name": "王五", "tier": "normal", "points": "1"})
    assert r.status_code == 303
    detail = r.headers["Location"]
    member_id = int(detail.rstrip("/").rsplit("/", 1)[1])
    r = submit(client, f"/shop/members/{member_id}/edit", {"name": "王五", "tier": "vip", "points": "1"})
    assert r.status_code == 303
    html = client.get(f"/shop/members/{member_id}?lang=en").get_data(as_text=True)
    assert "History" in html and "boss" in html
    assert "normal → vip" in html.split("History", 1)[1]
    page = client.get("/_audit?app=shop&table=members&lang=en").get_data(as_text=True)
    assert page.count("<tr>") == 3  # header + create + update
    assert "王五" in page and "boss" in page
    # a signed-in user who is not an admin may not read the audit log
    create_user(shop_platform, "clerk1", "clerk-password-1")
    grant(shop_platform, "clerk1", "shop", "clerk")
    other = create_app(shop_platform).test_client()
    sign_in(other, "clerk1", "clerk-password-1")
    assert other.get("/_audit").status_code == 403
    assert "Audit log" not in other.get("/shop/?lang=en").get_data(as_text=True)
