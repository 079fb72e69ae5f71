"""`tessera simulate` on a history of N order completions (loyalty): seconds, events per second and
the peak memory of the simulating process (its own process: `resource` reports its maximum RSS).

The history is written by raw INSERTs (setup, not measured): members and orders created before the
period (bench/rules_throughput.py's setup), then one audit entry per order completion (status paid ->
completed, source api) spread over July-September 2026, the orders left completed. No rule ran live,
so the actual side is empty; the replay does the whole work: each completion in its own unit of work
through the record service (a savepoint, a thousand to a commit), `earn_on_order` posting, `count_earned`, the tier rules, `task_orders`.

With --no-quick every completion goes through the record service, as before the quick replay
(runtime/simulate/quick/): the two runs give the same points, and the ratio of their seconds is the
quick replay's gain.

    python bench/simulate.py [--events 10000] [--members 10000] [--no-quick]
"""
import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from rules_throughput import setup  # noqa: E402
from runtime.platform import Platform  # noqa: E402

START = dt.datetime(2026, 6, 30, 16)        # 2026-07-01 00:00 in Shanghai, as UTC
SPAN = dt.timedelta(days=91)
CHUNK = 20_000


def history(platform, events: int) -> None:
    form, audit = platform.apps["loyalty"].form, platform.audit.table
    orders = form.sql["orders"]
    step = SPAN / events
    with platform.engine.begin() as conn:
        for first in range(0, events, CHUNK):
            ids = range(first + 1, min(events, first + CHUNK) + 1)
            conn.execute(audit.insert(), [
                {"at": START + step * (i - 1), "app": "loyalty", "tbl": "orders", "record_id": i, "action": "update",
                 "actor": None, "source": "api", "changes": json.dumps({"status": ["paid", "completed"]})}
                for i in ids])
        conn.execute(orders.update().values(status="completed"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000, help="order completions in the period (goal: 1,000,000)")
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--no-quick", action="store_true", help="every event through the record service")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/live.db"
        loyalty = str(ROOT / "apps/loyalty.yaml")
        made = time.perf_counter()
        platform = Platform.from_files([loyalty], url, tmp)
        setup(platform, args.members, args.events)
        history(platform, args.events)
        platform.dispose()
        print(f"history: {args.events:,} order completions, {args.members:,} members, "
              f"written in {time.perf_counter() - made:.1f} s")
        report = Path(tmp) / "report.json"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", loyalty, "--app", "loyalty",
                        "--definition", loyalty, "--from", "2026-07-01", "--to", "2026-09-30", "--db", url,
                        "-o", str(report), *(["--no-quick"] if args.no_quick else [])], check=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        data = json.loads(report.read_text(encoding="utf-8"))
        with sa.create_engine(url).connect() as conn:
            size = conn.exec_driver_sql("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
                                        ).scalar_one() / 2**20
    replayed = data["events"]["write"]
    print(f"replayed {replayed:,} events ({data['events']['refused']} refused, {data['events']['quick']:,} quick), "
          f"simulated points issued {data['totals']['simulated']['issued']:,}")
    print(f"seconds: {seconds:.1f} ({replayed / seconds:,.0f} events/s); 1,000,000 events at this rate: "
          f"{1_000_000 / (replayed / seconds):,.0f} s (goal 60 s, ratio {1_000_000 / (replayed / seconds) / 60:.1f}x)")
    print(f"peak memory of the simulating process: {peak:,.0f} MB; live database {size:,.0f} MB")


if __name__ == "__main__":
    main()
