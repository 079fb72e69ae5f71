"""A dashboard of 8 charts over 1M orders and 3M ledger rows on SQLite, against running the same SQL
statements directly with sqlite3 (goal: at most 1.5 times the direct time, and under 2 s).

The tables are filled with sqlite3 bulk inserts (setup, not measured). Each run drops the results
cache first, so every chart runs its statement; the direct run executes the very statements the
engine built (compiled with their values), on a connection of its own.
Usage: python bench/dashboard.py [orders] [ledger rows] [-v]
"""
import datetime as dt
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engines.report.query import ChartQuery, View  # noqa: E402
from runtime.platform import Platform  # noqa: E402

ARGS = [a for a in sys.argv[1:] if a != "-v"]      # -v: each statement and its query plan too
ORDERS = int(ARGS[0]) if ARGS else 1_000_000
LEDGER = int(ARGS[1]) if len(ARGS) > 1 else 3_000_000
MEMBERS = 20_000
RUNS = 3
DEFINITION = """
app: bench
timezone: Asia/Shanghai
tables:
  members:
    title_field: name
    fields:
      name: {type: text}
      tier: {type: select, options: [normal, vip, vvip]}
  orders:
    fields:
      member: {type: link, table: members}
      amount: {type: money}
      store: {type: text}
      status: {type: select, options: [pending, completed]}
      ordered_at: {type: datetime}
  points_ledger:
    fields:
      member: {type: link, table: members}
      change: {type: integer}
      reason: {type: select, options: [order, check_in, redemption, expiry]}
      occurred_at: {type: datetime}
datasets:
  orders:
    table: orders
    time: ordered_at
    where: "record.status == 'completed'"
    dimensions: {tier: member.tier, store: store, member: member}
    measures:
      sales: {sum: amount}
      orders: count
      buyers: {distinct: member}
  ledger:
    table: points_ledger
    time: occurred_at
    dimensions: {reason: reason}
    measures:
      issued: {kpi: points_issued, exclude: [expiry]}
      consumed: {kpi: points_consumed, exclude: [expiry]}
      spent: {sum: change, where: "record.change < 0"}
dashboards:
  bench:
    range: last_90_days
    charts:
      daily: {type: line, dataset: orders, by: day, measures: [sales, orders]}
      monthly: {type: bar, dataset: orders, by: [month, tier], measures: sales, stacked: true}
      tiers: {type: pie, dataset: orders, by: tier, measures: sales}
      card: {type: indicator, dataset: orders, measures: [sales, orders, buyers]}
      top: {type: leaderboard, dataset: orders, by: member, measures: [sales, orders], top: 10}
      grid: {type: pivot, dataset: orders, by: [store, tier], measures: buyers}
      points: {type: line, dataset: ledger, by: day, measures: [issued, consumed]}
      reasons: {type: pie, dataset: ledger, by: reason, measures: spent}
"""


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: str) -> None:
    rnd = random.Random(5)
    now = dt.datetime.utcnow()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    made = stamp(now)
    con.executemany("INSERT INTO bench__members (id, created_at, updated_at, name, tier) VALUES (?,?,?,?,?)",
                    [(i, made, made, f"m{i}", rnd.choice(("normal", "normal", "vip", "vvip")))
                     for i in range(1, MEMBERS + 1)])

    def when():
        return stamp(now - dt.timedelta(seconds=rnd.randrange(365 * 86400)))

    batch = 200_000
    for start in range(0, ORDERS, batch):
        con.executemany("INSERT INTO bench__orders (created_at, updated_at, member, amount, store, status, ordered_at)"
                        " VALUES (?,?,?,?,?,?,?)",
                        [(made, made, rnd.randint(1, MEMBERS), rnd.randint(1, 50000) / 100,
                          f"store{rnd.randint(1, 30):02d}", "completed" if rnd.random() < 0.9 else "pending", when())
                         for _ in range(min(batch, ORDERS - start))])
    reasons = ("order", "order", "check_in", "redemption", "expiry")
    for start in range(0, LEDGER, batch):
        rows = []
        for _ in range(min(batch, LEDGER - start)):
            reason = rnd.choice(reasons)
            change = rnd.randint(1, 500) * (-1 if reason in ("redemption", "expiry") else 1)
            rows.append((made, made, rnd.randint(1, MEMBERS), change, reason, when()))
        con.executemany("INSERT INTO bench__points_ledger (created_at, updated_at, member, change, reason, occurred_at)"
                        " VALUES (?,?,?,?,?,?)", rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()


def main():
    folder = Path(tempfile.mkdtemp())
    (folder / "bench.yaml").write_text(DEFINITION, encoding="utf-8")
    db = folder / "bench.db"
    platform = Platform.from_files([str(folder / "bench.yaml")], f"sqlite:///{db}", media_dir=str(folder / "media"))
    started = time.perf_counter()
    fill(str(db))
    print(f"filled {ORDERS:,} orders and {LEDGER:,} ledger rows in {time.perf_counter() - started:.0f} s")
    inst = platform.apps["bench"]
    reports = inst.form.extensions["reports"]
    board = inst.app.reports.dashboards["bench"]
    today = dt.datetime.now(inst.form.timezone).date()
    view = View(start=today - dt.timedelta(days=89), end=today + dt.timedelta(days=1))
    dialect = inst.form.engine.dialect
    sqls = [str(reports.statement(c, view).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            for c in board.charts.values()]

    def engine_run(workers=1):
        for table in inst.form.tables:
            reports.cache.drop(table)
        found = reports.rows_of(board, [(c, view) for c in board.charts.values()], workers=workers)
        for chart in board.charts.values():
            reports.figure_of(chart, found[chart.name], "zh")

    def engine_parallel():
        engine_run(workers=4)

    def engine_cached():
        for chart in board.charts.values():
            reports.figure(board, chart, view, "zh")

    direct = sqlite3.connect(str(db))

    def direct_run():
        for sql in sqls:
            direct.execute(sql).fetchall()

    engine_run(), direct_run()      # warm the page cache and plotly's imports once
    times = {"engine": [], "direct": [], "parallel": [], "cached": []}
    for _ in range(RUNS):
        for name, fn in (("engine", engine_run), ("direct", direct_run), ("parallel", engine_parallel),
                         ("cached", engine_cached)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    engine, plain = min(times["engine"]), min(times["direct"])
    print(f"dashboard of {len(sqls)} charts (statements, rows aggregated by the database, plotly figures): "
          f"{engine:.2f} s (best of {RUNS})")
    print(f"the same {len(sqls)} statements run directly with sqlite3: {plain:.2f} s")
    print(f"ratio: {engine / plain:.2f} (goal <= 1.5); absolute: {engine:.2f} s (goal < 2 s)")
    print(f"the statements side by side (4 threads, as /api/<app>/dashboards/<name> runs them): "
          f"{min(times['parallel']):.2f} s; again from the results cache: {min(times['cached']) * 1000:.1f} ms")
    each = []
    for name, sql in zip(board.charts, sqls):
        t = time.perf_counter()
        direct.execute(sql).fetchall()
        each.append(f"{name} {time.perf_counter() - t:.2f}")
    print("each statement directly (s):", ", ".join(each))
    # the pivot as it was (four groupings, each over the rows) against one pass, alternately
    grid = board.charts["grid"]
    query = ChartQuery(inst.form, inst.app.reports.datasets[grid.dataset], grid, view)
    ways = {way: str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            for way, stmt in (("one pass", query.with_totals()), ("four groupings", query.totals_by_grouping()))}
    best = {way: [] for way in ways}
    for _ in range(RUNS):
        for way, sql in ways.items():
            t = time.perf_counter()
            direct.execute(sql).fetchall()
            best[way].append(time.perf_counter() - t)
    print("pivot with totals (s, best of 3):", ", ".join(f"{w} {min(b):.2f}" for w, b in best.items()))
    if "-v" in sys.argv:
        for name, sql in zip(board.charts, sqls):
            plan = [r[-1] for r in direct.execute("EXPLAIN QUERY PLAN " + sql)]
            print(f"-- {name}: {sql}\n   plan: {plan}")
    platform.dispose()


if __name__ == "__main__":
    main()
