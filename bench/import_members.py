"""Importing a member base: rows per second and peak memory of `tessera import` (goals: at least
50,000 rows/s, under 300 MB), for a 1,000,000-row CSV and a 200,000-row XLSX into SQLite.

Each import is the real command in its own process, under `/usr/bin/time -v` ("Maximum resident set
size" is the peak memory of that process). Rows per second are data rows over the command's wall
time, start-up and the count pass included. The member table has a unique phone, a select, a date,
an integer and an opening points balance on every 100th row (a ledger entry through the ledger).

Measured paths: `--no-rules`, which takes the bulk path (bulk.py: same checks, a chunk read and checked
a column at a time, one executemany per chunk, one audit entry per chunk, opening balances a chunk at a
time by ledger/opening.py) on the full files, and the record service (rules on: the bench app has no
rules, so the same writes; one Writer.create per row) on a sample. The CPU time (user + system) is
printed beside the wall time, and the load average: on a shared machine the wall time also counts
waiting for a core.

    python bench/import_members.py [--rows 1000000] [--xlsx-rows 200000] [--sample 20000] [--keep DIR]
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESSERA = str(Path(sys.executable).with_name("tessera"))
GOAL_RATE, GOAL_MB = 50_000, 300

APP = """
app: bench
roles: [admin]
tables:
  members:
    label: {zh: 会员, en: Members}
    title_field: name
    fields:
      name:     {type: text, required: true, max_length: 50, label: {zh: 姓名, en: Name}}
      phone:    {type: phone, unique: true, label: {zh: 手机号, en: Phone}}
      tier:     {type: select, default: normal, label: {zh: 等级, en: Tier},
                 options: [{key: normal, label: {zh: 普通会员, en: Normal}}, {key: vip, label: {zh: VIP会员, en: VIP}}]}
      birthday: {type: date, label: {zh: 生日, en: Birthday}}
      visits:   {type: integer, min: 0, label: {zh: 到店次数, en: Visits}}
      points:   {type: integer, default: 0, readonly: true, label: {zh: 积分, en: Points}}
  points_ledger:
    ledger: {account: member, amount: change, balance: points, expires: expires_on}
    fields:
      member:     {type: link, table: members, required: true}
      change:     {type: integer, required: true}
      reason:     {type: select, required: true, options: [order, adjustment]}
      expires_on: {type: date}
"""
HEADERS = ["姓名", "手机号", "等级", "生日", "到店次数", "积分", "积分有效期"]


def row(i):
    return [f"会员{i}", f"139{i:08d}", "VIP会员" if i % 7 == 0 else "普通会员",
            f"19{60 + i % 40}/{1 + i % 12}/{1 + i % 28}", str(i % 50),
            "100" if i % 100 == 0 else "", "2030-12-31" if i % 100 == 0 else ""]


def write_csv(path, n):
    with open(path, "w", encoding="gbk", newline="") as fh:      # as Excel on a Chinese Windows saves it
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for i in range(1, n + 1):
            w.writerow(row(i))


def write_xlsx(path, n):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    for i in range(1, n + 1):
        r = row(i)
        r[4] = int(r[4])
        ws.append(r)
    wb.save(path)


def run_import(workdir, data, rows, *extra, rules=False):
    db = workdir / f"bench-{time.monotonic_ns()}.db"
    definition = workdir / "bench.yaml"
    subprocess.run([TESSERA, "install", str(definition), "--db", f"sqlite:///{db}"], check=True,
                   capture_output=True, cwd=workdir)
    cmd = ["/usr/bin/time", "-v", TESSERA, "import", "bench", "members", str(data), "--db", f"sqlite:///{db}",
           "-d", str(definition), *([] if rules else ["--no-rules"]), *extra]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"import failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr).group(1))
              for kind in ("User", "System"))
    if f"{rows} inserted" not in done.stdout:
        sys.exit(f"unexpected outcome: {done.stdout[-500:]}")
    db.unlink()
    return rows / seconds, peak_kb / 1024, seconds, cpu, rows / cpu


def report(label, rate, mb, seconds, cpu, cpu_rate):
    print(f"{label:<44} {rate:>9,.0f} rows/s ({rate / GOAL_RATE:.2f} of {GOAL_RATE:,})   "
          f"peak {mb:>6.0f} MB ({mb / GOAL_MB:.2f} of {GOAL_MB})   {seconds:.1f} s wall, {cpu:.1f} s CPU "
          f"({cpu_rate:,.0f} rows per CPU second, {cpu_rate / GOAL_RATE:.2f})   "
          f"load average {os.getloadavg()[0]:.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=200_000)
    ap.add_argument("--sample", type=int, default=20_000, help="rows for the record-service path")
    ap.add_argument("--chunk", type=int, help="rows per transaction (default: the command's own)")
    ap.add_argument("--keep", help="keep the generated files in this folder")
    args = ap.parse_args()
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="tessera-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "bench.yaml").write_text(APP, encoding="utf-8")
    try:
        big, sample, book = workdir / "members.csv", workdir / "sample.csv", workdir / "members.xlsx"
        for path, n, write in ((big, args.rows, write_csv), (sample, args.sample, write_csv),
                               (book, args.xlsx_rows, write_xlsx)):
            if not path.exists():
                t0 = time.perf_counter()
                write(path, n)
                print(f"wrote {path.name}: {n:,} rows, {path.stat().st_size / 2**20:.0f} MB "
                      f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        chunk = ["--chunk", str(args.chunk)] if args.chunk else []
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        report(f"CSV {args.sample:,} rows, record service",
               *run_import(workdir, sample, args.sample, *chunk, rules=True))
        report(f"CSV {args.rows:,} rows, --no-rules (bulk)", *run_import(workdir, big, args.rows, *chunk))
        report(f"XLSX {args.xlsx_rows:,} rows, --no-rules (bulk)", *run_import(workdir, book, args.xlsx_rows, *chunk))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
