"""RecordService.savepoint_of: units of work as savepoints of one longer transaction (the
simulation's replay): a refused one rolls back alone, its run-log row is written on the same
connection after the rollback, and the caller's commit keeps the others."""
import pytest
import sqlalchemy as sa

from engines.form.errors import RecordError
from tests.test_rules import SHOP, runs


@pytest.fixture
def shop(make_platform):
    platform = make_platform(SHOP)
    return platform, platform.apps["shop"]


def test_a_refused_unit_rolls_back_alone_and_its_failure_is_logged_in_the_batch(shop):
    platform, inst = shop
    r = inst.records
    m = r.create("members", {"name": "Mia"})
    o = r.create("orders", {"member": m["id"], "amount": "150.00"})
    with inst.form.write_engine.connect() as conn:
        conn.begin()
        with r.savepoint_of(conn, None, "api") as w:
            w.update("orders", o["id"], {"status": "done"})
        with pytest.raises(RecordError), r.savepoint_of(conn, None, "api") as w:
            w.update("orders", o["id"], {"status": "void", "note": "oops"})
        with r.savepoint_of(conn, None, "api", audited=False) as w:
            w.create("members", {"name": "Max"})
        conn.commit()
    order = r.get("orders", o["id"])
    assert order["status"] == "done" and order["note"].startswith("gift #")     # the first unit, as its rules left it
    assert r.get("members", m["id"])["level"] == "vip"
    assert runs(platform) == [("vip_on_big_order", "ok", None),
                              ("no_void_of_done", "refused", "A completed order cannot be voided")]
    audit = platform.audit.table
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(inst.form.sql["members"].c.name)).scalars().all() == ["Mia", "Max"]
        audited = conn.execute(sa.select(audit.c.tbl, audit.c.action).where(audit.c.app == "shop")
                               .order_by(audit.c.id)).all()
    # the creates before the batch and the first unit's writes; nothing of the refused one or of Max
    assert ("members", "create") in audited and ("gifts", "create") in audited
    assert audited.count(("members", "create")) == 1
    assert audited.count(("orders", "update")) == 2           # the status and the rule's note
