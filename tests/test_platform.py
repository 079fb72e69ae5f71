"""Both shipped apps installed side by side, demo data, computed fields through the write path."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from runtime.demo import fill_demo_data
from tests.conftest import ROOT

APPS = [ROOT / "apps" / "loyalty.yaml", ROOT / "apps" / "membership-card.yaml"]


def test_shipped_apps_side_by_side_with_namespaced_tables(make_platform):
    platform = make_platform(*APPS)
    names = set(sa.inspect(platform.engine).get_table_names())
    assert {"loyalty__members", "membership_card__members", "loyalty__orders", "membership_card__cards",
            "tessera_apps", "tessera_sequences"} <= names
    with platform.engine.connect() as conn:
        rows = {r.name: r for r in conn.execute(sa.select(platform.system["apps"]))}
    assert set(rows) == {"loyalty", "membership-card"}
    assert rows["loyalty"].definition_hash == platform.apps["loyalty"].app.definition_hash
    assert len(rows["loyalty"].definition_hash) == 64
    platform.create_missing()  # running again creates nothing and fails on nothing


def test_demo_data_fills_every_table_of_both_apps(make_platform):
    platform = make_platform(*APPS)
    filled = fill_demo_data(platform, scale=0.02)
    expected = {f"{a}.{t}" for a, inst in platform.apps.items() for t in inst.form.tables}
    assert set(filled) == expected
    assert filled["loyalty.members"] == round(platform.apps["loyalty"].form.tables["members"].demo_rows * 0.02)  # scaled
    for inst in platform.apps.values():
        for tname, sql in inst.form.sql.tables.items():
            with platform.engine.connect() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(sql)).scalar_one() > 0, tname
    assert fill_demo_data(platform, scale=0.02) == {}  # only empty tables are filled
    with platform.engine.connect() as conn:            # no SMS to made-up phones waits in the outbox
        assert conn.execute(sa.select(sa.func.count()).select_from(platform.system["outbox"])).scalar_one() == 0


def test_auto_number_lookup_and_rollup(make_platform):
    platform = make_platform(*APPS)
    card_app = platform.apps["membership-card"]
    rec = card_app.records
    store = rec.create("stores", {"code": "SZ01", "name": "深圳南山店", "region": "广东 深圳市 南山区"})
    m = rec.create("members", {"name": "王芳", "phone": "13912345678", "store": store["id"]})
    c1 = rec.create("cards", {"member": m["id"]})
    c2 = rec.create("cards", {"member": m["id"]})
    yy = dt.datetime.now(dt.timezone.utc).astimezone(card_app.form.timezone).strftime("%y")
    assert c1["card_no"] == f"8{yy}00000001" and c2["card_no"] == f"8{yy}00000002"
    assert c1["member_phone"] == "+8613912345678"           # lookup through the link
    rec.create("consumptions", {"member": m["id"], "amount": "99.50", "payment_method": "cash"})
    rec.create("consumptions", {"member": m["id"], "amount": "0.50", "payment_method": "wechat"})
    assert rec.get("members", m["id"])["total_spent"] == Decimal("100.00")  # rollup
    assert store["region"] == "广东省/深圳市/南山区"


def test_demo_data_takes_a_field_s_demo_values_and_leaves_redemptions_awaiting_approval(make_platform):
    platform = make_platform(APPS[0])
    assert platform.apps["loyalty"].form.tables["products"].fields["points_cost"].demo   # the definition's hint
    fill_demo_data(platform, scale=0.2)
    loyalty = platform.apps["loyalty"]
    costs = set(_column(platform, loyalty.form.sql["products"].c.points_cost))
    assert costs <= set(loyalty.form.tables["products"].fields["points_cost"].demo)
    waiting = _column(platform, loyalty.form.sql["redemptions"].c.id,
                      loyalty.form.sql["redemptions"].c.status == "pending")
    assert waiting                                       # some large redemptions wait for an operator (L11)
    tasks = platform.flow_tables["tasks"]
    open_for = _column(platform, tasks.c.node, tasks.c.status == "open")
    assert open_for == ["ops"] * len(waiting)
    # a completed order was made pending, then completed, so earn_on_order paid its points (L2)
    orders, ledger = loyalty.form.sql["orders"], loyalty.form.sql["points_ledger"]
    completed = set(_column(platform, orders.c.order_no, (orders.c.status == "completed") & (orders.c.cash_paid > 0)))
    earned = set(_column(platform, ledger.c.reference, ledger.c.reason == "order"))
    assert completed and earned == completed


def _column(platform, column, where=None):
    with platform.engine.connect() as conn:
        q = sa.select(column)
        return list(conn.execute(q if where is None else q.where(where)).scalars())
