"""The record service: validation, the one write path, events in the same transaction, atomicity."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engines.form.errors import Conflict, NotFound, ValidationFailed


def count(inst, table):
    with inst.form.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(inst.form.sql[table])).scalar_one()


def test_create_coerces_defaults_and_system_columns(shop):
    m = shop.records.create("members", {"name": " 张三 ", "phone": "138 0013 8000"}, actor=7)
    assert m["name"] == "张三"
    assert m["phone"] == "+8613800138000"
    assert m["tier"] == "normal" and m["points"] == 0
    assert m["created_by"] == 7 and m["created_at"].tzinfo is not None
    o = shop.records.create("orders", {"order_no": "A1", "member": m["id"], "amount": "12.5"})
    assert o["amount"] == Decimal("12.50") and o["status"] == "pending"


def test_all_field_errors_reported_at_once(shop):
    with pytest.raises(ValidationFailed) as exc:
        shop.records.create("members", {"phone": "123", "points": -1, "tier": "gold", "nope": 1})
    assert set(exc.value.fields) == {"name", "phone", "points", "tier", "nope"}
    assert exc.value.fields["name"].en == "is required"
    assert count(shop, "members") == 0


def test_unique_conflict_is_409(shop):
    shop.records.create("members", {"name": "a", "phone": "13800138000"})
    with pytest.raises(ValidationFailed) as exc:
        shop.records.create("members", {"name": "b", "phone": "+86 138 0013 8000"})
    assert exc.value.status == 409
    assert exc.value.fields["phone"].en == "is already used by another record"


def test_link_must_exist(shop):
    with pytest.raises(ValidationFailed) as exc:
        shop.records.create("orders", {"order_no": "X", "member": 999})
    assert "no record 999" in exc.value.fields["member"].en


def test_update_emits_old_and_new_and_only_changed(shop):
    seen = []
    shop.form.subscribers.add(lambda ev, w: seen.append(ev), table="members")
    m = shop.records.create("members", {"name": "a"})
    shop.records.update("members", m["id"], {"tier": "vip", "name": "a"})
    shop.records.update("members", m["id"], {"tier": "vip"})  # no change: no event
    shop.records.delete("members", m["id"])
    assert [e.kind for e in seen] == ["created", "updated", "deleted"]
    assert seen[1].old["tier"] == "normal" and seen[1].new["tier"] == "vip"
    assert seen[1].changed == frozenset({"tier"})


def test_failing_subscriber_leaves_nothing_written(shop):
    m = shop.records.create("members", {"name": "a"})

    def cascade_then_fail(ev, writer):
        writer.update("members", ev.new["member"], {"points": 100})  # a cascaded write ...
        raise RuntimeError("boom")                                   # ... then a failure

    shop.form.subscribers.add(cascade_then_fail, table="orders")
    with pytest.raises(RuntimeError):
        shop.records.create("orders", {"order_no": "A1", "member": m["id"]})
    assert count(shop, "orders") == 0
    assert shop.records.get("members", m["id"])["points"] == 0


def test_subscriber_writes_commit_with_the_trigger(shop):
    m = shop.records.create("members", {"name": "a"})

    def earn(ev, writer):
        if ev.kind == "created":
            member = writer.get("members", ev.new["member"])
            writer.update("members", member["id"], {"points": member["points"] + int(ev.new["amount"])})

    shop.form.subscribers.add(earn, table="orders")
    shop.records.create("orders", {"order_no": "A1", "member": m["id"], "amount": "88.80"})
    assert shop.records.get("members", m["id"])["points"] == 88


def test_cascade_depth_is_limited(shop):
    m = shop.records.create("members", {"name": "a"})
    shop.form.subscribers.add(lambda ev, w: w.update("members", ev.id, {"points": ev.new["points"] + 1}),
                              table="members")
    with pytest.raises(Exception) as exc:
        shop.records.update("members", m["id"], {"points": 1})
    assert "cascade" in str(exc.value)
    assert shop.records.get("members", m["id"])["points"] == 0


def test_delete_refused_while_linked(shop):
    m = shop.records.create("members", {"name": "a"})
    shop.records.create("orders", {"order_no": "A1", "member": m["id"]})
    with pytest.raises(Conflict):
        shop.records.delete("members", m["id"])
    assert count(shop, "members") == 1


def test_not_found(shop):
    with pytest.raises(NotFound):
        shop.records.update("members", 12345, {"name": "x"})


def test_readonly_fields_set_on_create_but_not_changed_by_users(make_platform):
    inst = make_platform("""
app: ro
tables:
  cards:
    fields:
      no: {type: text}
      balance: {type: integer, default: 0, readonly: true}
""").apps["ro"]
    c = inst.records.create("cards", {"no": "1", "balance": 5}, source="api")
    assert inst.records.update("cards", c["id"], {"no": "2", "balance": 5}, source="api")["no"] == "2"
    with pytest.raises(ValidationFailed) as exc:
        inst.records.update("cards", c["id"], {"balance": 100}, source="api")
    assert exc.value.fields["balance"].en == "is read-only"
    assert inst.records.update("cards", c["id"], {"balance": 100}, source="rule")["balance"] == 100
