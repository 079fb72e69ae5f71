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

    def redeem(_i):
        try:
            inst.records.create("redemptions", {"product": product})
            return "ok"
        except RecordError as exc:
            return exc.fields if hasattr(exc, "fields") else str(exc)
        except Exception as exc:         # anything else is a bug: shown by the assertion below
            return repr(exc)

    outcomes = at_once(8, redeem)
    assert outcomes.count("ok") == 5, outcomes
    assert all(o == "ok" or "stock" in o for o in outcomes), outcomes      # the rest: stock below 0
    assert inst.records.get("products", product)["stock"] == 0
    sql = inst.form.sql["redemptions"]
    with inst.form.engine.connect() as conn:
        assert conn.execute(sql.select()).all().__len__() == 5


NUMBERED = """
app: shop
tables:
  invoices:
    fields:
      number: {type: auto_number, pattern: "INV-{0000}"}
      note: {type: text}
"""


def test_simultaneous_writers_never_share_an_auto_number(make_platform):
    """The first number of a counter (no row yet: two writers may both insert it) and the ones after:
    eight writers at once, then eight more, get sixteen different numbers, 1 to 16."""
    inst = make_platform(NUMBERED).apps["shop"]

    def write(i):
        try:
            return inst.records.create("invoices", {"note": f"#{i}"})["number"]
        except Exception as exc:     # any failure is a bug: shown by the assertion below
            return repr(exc)

    numbers = at_once(8, write) + at_once(8, write)
    assert sorted(numbers) == [f"INV-{i:04d}" for i in range(1, 17)], numbers


def at_once(n, work) -> list:
    """work(0) ... work(n - 1) in n threads released together; their results in that order."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = work(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
