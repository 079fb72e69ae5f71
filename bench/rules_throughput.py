"""Loyalty "order completed -> points" events per second through the engine, against a hand-written
SQLAlchemy Core function making the same writes with the same transaction boundaries (goal: the
engine at least 0.5 of it), at two ledger sizes (goal: per-event cost within 1.2x between them).

An event is one order going from 'paid' to 'completed' in its own unit of work, as a page or the API
does it: `records.update` validates, audits, runs `earn_on_order` (posts floor(amount * tier rate)
points with key order-<id>), the ledger moves members.points, and `count_earned` (members.total_earned)
and the tier rules follow. Per event the engine writes: the order update, one ledger entry (its
remaining amount and balance_after set; an earning opens no row in the lots table), the member's
points and total_earned, 5 audit rows and 3 rule-run rows (`task_orders`, L4, marks the order counted
and finds no active order task in the bench's data). The baseline writes `tasks_counted` with the
status, in one UPDATE. The baseline writes the same rows, reading
only what it needs, in one transaction per event (BEGIN IMMEDIATE on SQLite, as the engine).

Members, orders and the pre-filled ledger rows are raw INSERTs (setup, not measured). Engine and
baseline alternate in short runs so that background load hits both alike.

    python bench/rules_throughput.py [--events 1000] [--large 1000000] [--db URL] [--profile]
"""
import argparse
import cProfile
import datetime as dt
import json
import math
import pstats
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from runtime.database import make_engine  # noqa: E402
from runtime.platform import Platform  # noqa: E402

SMALL = 10_000
CHUNK = 50                       # events per short run; engine and baseline alternate
RATES = {"normal": Decimal(1), "vip": Decimal("1.2"), "vvip": Decimal("1.5")}
START_POINTS = 1_000_000         # large balances: nothing is ever refused
T0 = dt.datetime(2026, 1, 1)


def setup(platform, members: int, orders: int):
    form = platform.apps["loyalty"].form
    m, o = form.sql["members"], form.sql["orders"]
    with platform.engine.begin() as conn:
        for start in range(0, members, 10_000):
            conn.execute(m.insert(), [
                {"name": f"会员{i}", "phone": f"+86138{i:08d}", "member_no": f"L2026{i:06d}",
                 "tier": ("normal", "vip", "vvip")[i % 3], "points": START_POINTS, "total_earned": 0,
                 "profile_completed": False, "registered_at": T0, "created_at": T0, "updated_at": T0}
                for i in range(start, min(members, start + 10_000))])
        for start in range(0, orders, 10_000):
            conn.execute(o.insert(), [
                {"order_no": f"O{i:09d}", "member": 1 + i % members, "amount": Decimal(100 + i % 400) + Decimal("0.55"),
                 "points_used": 0, "status": "paid", "ordered_at": T0, "created_at": T0, "updated_at": T0}
                for i in range(start, min(orders, start + 10_000))])


def fill_ledger(platform, target: int, members: int) -> float:
    """Grow the ledger to `target` rows with one INSERT ... SELECT (keys fill-<n>); seconds taken."""
    table = platform.apps["loyalty"].form.sql["points_ledger"].name
    start = time.perf_counter()
    with platform.engine.begin() as conn:
        have = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        first = conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
        n = target - have
        if n <= 0:
            return 0.0
        if platform.engine.dialect.name == "sqlite":
            series = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
            src = "FROM s"
        else:
            series, src = "", f"FROM generate_series(1, {n}) AS s(i)"
        conn.execute(sa.text(
            f"{series}INSERT INTO {table} (created_at, updated_at, member, change, reason, balance_after,"
            f" reference, occurred_at, ledger_key, ledger_kind, ledger_remaining)"
            f" SELECT :t, :t, 1 + (i % {members}), 10, 'campaign', {START_POINTS}, NULL, :t,"
            f" 'fill-' || CAST(i + {first} AS VARCHAR(20)), 'earn', 10 {src}"), {"t": T0})
    if platform.engine.dialect.name == "postgresql":
        with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"ANALYZE {table}"))
    return time.perf_counter() - start


def baseline(platform):
    """The same writes by hand: returns event(order_id)."""
    form = platform.apps["loyalty"].form
    m, o, led, tasks = form.sql["members"], form.sql["orders"], form.sql["points_ledger"], form.sql["tasks"]
    md = sa.MetaData()
    audit = sa.Table("tessera_audit", md, autoload_with=platform.engine)
    runs = sa.Table("tessera_rule_runs", md, autoload_with=platform.engine)
    as_json = (lambda v: v) if isinstance(audit.c.changes.type, sa.JSON) else json.dumps
    engine = platform.engine.execution_options(tessera_write=True)   # BEGIN IMMEDIATE on SQLite, as the engine
    read = (sa.select(o.c.member, o.c.amount, o.c.order_no, o.c.status, m.c.tier)
            .join(m, m.c.id == o.c.member).where(o.c.id == sa.bindparam("oid")))
    # task_orders (L4): the active order tasks, none in the bench's data
    order_tasks = sa.select(tasks.c.id).where(tasks.c.active.is_(True), tasks.c.action == "order")
    upd_order = o.update().where(o.c.id == sa.bindparam("oid")).values(
        status="completed", tasks_counted=True, updated_at=sa.bindparam("now"), updated_by=None)
    upd_member = (m.update().where(m.c.id == sa.bindparam("mid"))
                  .where(sa.func.coalesce(m.c.points, 0) + sa.bindparam("pts") >= 0)
                  .values(points=sa.func.coalesce(m.c.points, 0) + sa.bindparam("pts"),
                          total_earned=sa.func.coalesce(m.c.total_earned, 0) + sa.bindparam("pts"),
                          updated_at=sa.bindparam("now"), updated_by=None)
                  .returning(m.c.points, m.c.total_earned))

    def event(oid: int) -> None:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            member, amount, order_no, status, tier = conn.execute(read, {"oid": oid}).one()
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            conn.execute(upd_order, {"oid": oid, "now": now})
            pts = math.floor(Decimal(amount) * RATES[tier])
            points, total = conn.execute(upd_member, {"mid": member, "pts": pts, "now": now}).one()
            conn.execute(order_tasks).all()
            expires = dt.date.today() + dt.timedelta(days=366)
            entry = conn.execute(led.insert().values(
                created_at=now, updated_at=now, member=member, change=pts, reason="order", balance_after=points,
                reference=order_no, expires_on=expires, occurred_at=now.replace(microsecond=0),
                ledger_key=f"order-{oid}", ledger_kind="earn", ledger_rule="earn_on_order",
                ledger_remaining=pts)).inserted_primary_key[0]
            base = {"at": now, "app": "loyalty", "action": "update", "actor": None}
            conn.execute(audit.insert(), [
                {**base, "tbl": "orders", "record_id": oid, "source": "api",
                 "changes": as_json({"status": [status, "completed"]})},
                {**base, "tbl": "orders", "record_id": oid, "source": "rule",
                 "changes": as_json({"tasks_counted": [False, True]})},
                {**base, "tbl": "members", "record_id": member, "source": "rule",
                 "changes": as_json({"points": [points - pts, points]})},
                {**base, "tbl": "points_ledger", "record_id": entry, "source": "rule", "action": "create",
                 "changes": as_json({"member": [None, member], "change": [None, pts], "reason": [None, "order"],
                                     "balance_after": [None, points], "reference": [None, order_no],
                                     "expires_on": [None, expires.isoformat()],
                                     "occurred_at": [None, now.replace(microsecond=0).isoformat()]})},
                {**base, "tbl": "members", "record_id": member, "source": "rule",
                 "changes": as_json({"total_earned": [total - pts, total]})}])
            ms = (time.perf_counter() - t0) * 1000
            run = {"app": "loyalty", "outcome": "ok", "error": None, "actor": None, "at": now, "duration_ms": ms}
            conn.execute(runs.insert(), [
                {**run, "rule": "count_earned", "trigger": "created", "tbl": "points_ledger", "record_id": entry,
                 "source": "rule"},
                {**run, "rule": "earn_on_order", "trigger": "updated", "tbl": "orders", "record_id": oid,
                 "source": "api"},
                {**run, "rule": "task_orders", "trigger": "updated", "tbl": "orders", "record_id": oid,
                 "source": "api"}])
    return event


def counts(platform) -> dict:
    names = sa.inspect(platform.engine).get_table_names()
    with platform.engine.connect() as conn:
        return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in names}


def member_state(platform, oid):
    form = platform.apps["loyalty"].form
    m, o = form.sql["members"], form.sql["orders"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(m.c.points, m.c.total_earned, m.c.tier)
                            .join(o, o.c.member == m.c.id).where(o.c.id == oid)).one()


def check_same_work(platform, engine_event, base_event, orders):
    """One event each: the rows each adds to every table must be the same."""
    deltas = []
    for ev in (engine_event, base_event):
        oid = next(orders)
        before, state = counts(platform), member_state(platform, oid)
        ev(oid)
        after, new = counts(platform), member_state(platform, oid)
        deltas.append({t: after[t] - before[t] for t in after if after[t] != before[t]})
        deltas[-1]["(points, total_earned) +"] = (new[0] - state[0], new[1] - state[1])
    print(f"rows written per event  engine: {deltas[0]}\n                        baseline: {deltas[1]}")
    same = ({k: v for k, v in deltas[0].items() if k != "(points, total_earned) +"}
            == {k: v for k, v in deltas[1].items() if k != "(points, total_earned) +"})
    print("same rows per table: " + ("yes" if same else "NO — the comparison is not like for like"))


def measure(engine_event, base_event, orders, events: int) -> tuple[float, float]:
    """Alternate CHUNK-event runs of both; events per second of each."""
    spent = [0.0, 0.0]
    done = 0
    while done < events:
        n = min(CHUNK, events - done)
        for i, ev in enumerate((engine_event, base_event)):
            ids = [next(orders) for _ in range(n)]
            start = time.perf_counter()
            for oid in ids:
                ev(oid)
            spent[i] += time.perf_counter() - start
        done += n
    return events / spent[0], events / spent[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1000, help="events timed per side and ledger size")
    ap.add_argument("--large", type=int, default=1_000_000, help="the larger ledger size (the goal is 10M)")
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--db", help="an empty PostgreSQL database of its own (the bench drops its tables at the end)")
    ap.add_argument("--profile", action="store_true", help="cProfile 200 engine events at the end")
    args = ap.parse_args()
    n_orders = 4 * args.events + 500
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        if args.db and sa.inspect(probe := make_engine(url)).get_table_names():
            sys.exit(f"{url} has tables already: give an empty database of its own (the bench drops what it creates)")
        if args.db:
            probe.dispose()
        platform = Platform.from_files([str(ROOT / "apps/loyalty.yaml")], url, tmp)
        inst = platform.apps["loyalty"]
        setup(platform, args.members, n_orders)
        orders = iter(range(1, n_orders + 1))

        def engine_event(oid):
            inst.records.update("orders", oid, {"status": "completed"})

        base_event = baseline(platform)
        db = "SQLite (WAL), file in a temp dir" if not args.db else platform.engine.dialect.name
        print(f"{db}; {args.members} members; {args.events} events per side and size, "
              f"alternating in runs of {CHUNK}, one at a time")
        check_same_work(platform, engine_event, base_event, orders)
        rows = []
        for size in (SMALL, args.large):
            took = fill_ledger(platform, size, args.members)
            print(f"ledger filled to {size:,} rows ({took:.0f} s)")
            measure(engine_event, base_event, orders, CHUNK)      # warm the caches at this size
            rows.append((size, *measure(engine_event, base_event, orders, args.events)))
        print()
        print(f"{'ledger rows':>12} | {'engine ev/s':>11} | {'ms/event':>8} | {'baseline ev/s':>13} | "
              f"{'ms/event':>8} | ratio (goal >= 0.50)")
        for size, e, b in rows:
            print(f"{size:>12,} | {e:11.1f} | {1000 / e:8.2f} | {b:13.1f} | {1000 / b:8.2f} | {e / b:.2f}")
        (s, es, bs), (lg, el, bl) = rows
        print(f"per-event cost at {lg:,} vs {s:,} rows (goal <= 1.20): engine {es / el:.2f}x, "
              f"baseline {bs / bl:.2f}x")
        if args.profile:
            prof = cProfile.Profile()
            ids = [next(orders) for _ in range(200)]
            prof.enable()
            for oid in ids:
                engine_event(oid)
            prof.disable()
            print("\ncProfile of 200 engine events (top by own time, then cumulative):")
            st = pstats.Stats(prof)
            st.sort_stats("tottime").print_stats(15)
            st.sort_stats("cumulative").print_stats(30)
        if args.db:
            platform.drop_all()
        platform.dispose()


if __name__ == "__main__":
    main()
