"""Rules that change another record under concurrency: the `update` action works its values out under
that record's write lock, so eight simultaneous redemptions of a product with 5 in stock leave exactly
5 redeemed and 0 in stock (PostgreSQL: row locks; SQLite: units of work queue)."""
import threading

from engines.form.errors import RecordError

APP = """
app: mall
tables:
  products:
    fields:
      name: {type: text}
      stock: {type: integer, min: 0}
  redemptions:
    fields:
      product: {type: link, table: products, required: true}
rules:
  take_stock:
    when: {created: redemptions}
    do:
      - update: {table: products, id: =record.product, values: {stock: =record.product.stock - 1}}
"""


def test_concurrent_redemptions_never_lose_a_stock_decrement(make_platform):
    inst = make_platform(APP).apps["mall"]
    product = inst.records.create("products", {"name": "保温杯", "stock": 5})["id"]
    n = 8
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def redeem(i):
        barrier.wait()
        try:
            inst.records.create("redemptions", {"product": product})
            outcomes[i] = "ok"
        except RecordError as exc:
            outcomes[i] = exc.fields if hasattr(exc, "fields") else str(exc)
        except Exception as exc:         # anything else is a bug: shown by the assertion below
            outcomes[i] = repr(exc)

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 5, outcomes
    assert all(o == "ok" or "stock" in o for o in outcomes), outcomes      # the rest: stock below 0
    assert inst.records.get("products", product)["stock"] == 0
    sql = inst.form.sql["redemptions"]
    with inst.form.engine.connect() as conn:
        assert conn.execute(sql.select()).all().__len__() == 5
