"""How much of the simulation goal (a million order events in 60 s) the database alone leaves: the
rows a replay of N order completions writes, written by the SQLite driver with nothing else.

The same history as bench/simulate.py (N completions of M members' orders). `tessera simulate`
replays it with --keep (timed, as bench/simulate.py times it); the rows the replay wrote are then
read from the kept scratch file: the ledger entries, the run log's rows, the orders and the members
as they ended. The floor writes those rows again, to a copy of the live file with the orders set
back to paid (as the rewind leaves them), the way the replay writes them and nothing more: a
thousand events to a commit, the entries and run-log rows by executemany of ready tuples, each
order's update and the chunk's members' updates by executemany, with the replay's pragmas
(synchronous off, the journal in memory). No rule, no validation, no SQLAlchemy: what is left of 60 s
after it is what every other part of a replay (reading the history, the rewind, the rules) may take.

    python bench/simulate_floor.py [--events 100000] [--members 10000]
"""
import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rules_throughput import setup  # noqa: E402
from runtime.platform import Platform  # noqa: E402
from simulate import history  # noqa: E402

CHUNK = 1000            # events per commit, as runtime/simulate/replay.py's BATCH


def kept_rows(path: str, table: str, where: str = "") -> tuple[list[str], list[tuple]]:
    con = sqlite3.connect(path)
    try:
        cur = con.execute(f'SELECT * FROM "{table}" {where} ORDER BY id')   # noqa: S608 (our own tables)
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def changed(start_file: str, table: str, cols: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """The columns the replay changed in `table` (as the replay's UPDATEs set only those), and each
    kept row as (those values..., id)."""
    _cols, before = kept_rows(start_file, table)
    was = {row[0]: row for row in before}
    picked = [i for i, c in enumerate(cols) if c != "id" and any(row[i] != was[row[0]][i] for row in rows)]
    return [cols[i] for i in picked], [(*(row[i] for i in picked), row[0]) for row in rows]


def floor(start_file: str, kept: str, events: int, members: int) -> tuple[dict, dict]:
    """Seconds to write the replay's rows (read from `kept`) to `start_file`, chunk by chunk, by part."""
    ledger_cols, entries = kept_rows(kept, "loyalty__points_ledger")
    log_cols, logs = kept_rows(kept, "tessera_rule_runs")
    order_cols, orders = kept_rows(kept, "loyalty__orders", f"WHERE id <= {events}")
    member_cols, member_rows = kept_rows(kept, "loyalty__members")
    order_set, orders = changed(start_file, "loyalty__orders", order_cols, orders)
    member_set, member_rows = changed(start_file, "loyalty__members", member_cols, member_rows)
    per_event_logs = len(logs) / events
    con = sqlite3.connect(start_file, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=MEMORY")
    insert_entry = (f'INSERT INTO loyalty__points_ledger ({", ".join(ledger_cols)}) '
                    f'VALUES ({", ".join("?" * len(ledger_cols))})')
    insert_log = f'INSERT INTO tessera_rule_runs ({", ".join(log_cols)}) VALUES ({", ".join("?" * len(log_cols))})'
    update_order = f'UPDATE loyalty__orders SET {", ".join(f"{c} = ?" for c in order_set)} WHERE id = ?'
    update_member = f'UPDATE loyalty__members SET {", ".join(f"{c} = ?" for c in member_set)} WHERE id = ?'
    by_member = {row[-1]: row for row in member_rows}
    took = dict.fromkeys(("ledger entries", "orders", "members", "run log", "commits"), 0.0)

    def timed(part, sql, rows=None):
        t = time.perf_counter()
        con.execute(sql) if rows is None else con.executemany(sql, rows)
        took[part] += time.perf_counter() - t

    for first in range(0, events, CHUNK):
        last = min(events, first + CHUNK)
        con.execute("BEGIN")
        timed("ledger entries", insert_entry, entries[first:last])
        timed("orders", update_order, orders[first:last])
        touched = sorted({1 + i % members for i in range(first, last)})   # bench's order i+1 is member's 1 + i % M
        timed("members", update_member, [by_member[m] for m in touched])
        timed("run log", insert_log, logs[round(first * per_event_logs):round(last * per_event_logs)])
        timed("commits", "COMMIT")
    con.close()
    return took, {"orders": order_set, "members": member_set}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        live, kept, start_file = f"{tmp}/live.db", f"{tmp}/kept.db", f"{tmp}/start.db"
        loyalty = str(ROOT / "apps/loyalty.yaml")
        platform = Platform.from_files([loyalty], f"sqlite:///{live}", tmp)
        setup(platform, args.members, args.events)
        history(platform, args.events)
        platform.dispose()
        shutil.copyfile(live, start_file)
        con = sqlite3.connect(start_file)
        con.execute("UPDATE loyalty__orders SET status = 'paid'")    # what the rewind leaves
        con.commit()
        con.close()
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "runtime.cli", "simulate", loyalty, "--app", "loyalty",
                        "--definition", loyalty, "--from", "2026-07-01", "--to", "2026-09-30",
                        "--db", f"sqlite:///{live}", "--keep", kept, "-o", f"{tmp}/report.json"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        replay = time.perf_counter() - started
        report = json.loads(Path(f"{tmp}/report.json").read_text(encoding="utf-8"))
        parts, updated = floor(start_file, kept, args.events, args.members)
    n, written = args.events, sum(parts.values())
    print(f"{n:,} order completions, {args.members:,} members; {report['events']['quick']:,} replayed quick")
    print(f"tessera simulate: {replay:.1f} s ({replay / n * 1e6:,.0f} µs an event; a million: {replay / n * 1e6:,.0f} s, "
          f"{replay / n * 1e6 / 60:.1f}x the 60 s goal)")
    print(f"the replay's rows alone, by the driver: {written:.1f} s ({written / n * 1e6:,.0f} µs an event; "
          f"a million: {written / n * 1e6:,.0f} s, {written / n * 1e6 / 60 * 100:.0f}% of the 60 s goal)")
    print("  columns updated: " + "; ".join(f"{t}: {', '.join(cols)}" for t, cols in updated.items()))
    print("  by part, µs an event: " + ", ".join(f"{part} {s / n * 1e6:,.1f}" for part, s in parts.items()))
    print(f"what the rest of a replay may take, per event, to meet the goal here: "
          f"{max(0.0, 60 - written / n * 1e6):,.0f} µs (a million in 60 s is 60 µs an event)")


if __name__ == "__main__":
    main()
