"""How long validating and compiling both shipped apps takes (goal: under 300 ms).

Prints the first (cold, in a fresh process: imports excluded) and the median of later runs.
"""
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

t0 = time.perf_counter()
from builder import compile_files  # noqa: E402
imports = time.perf_counter() - t0

FILES = [str(ROOT / "apps" / "loyalty.yaml"), str(ROOT / "apps" / "membership-card.yaml")]
GOAL_MS = 300


def once() -> float:
    start = time.perf_counter()
    compile_files(FILES)
    return (time.perf_counter() - start) * 1000


first = once()
later = [once() for _ in range(20)]
median = statistics.median(later)
print(f"imports (once per process): {imports * 1000:.0f} ms")
print(f"validate + compile both apps, first run: {first:.1f} ms  (goal < {GOAL_MS} ms; ratio {first / GOAL_MS:.2f} of the goal)")
print(f"validate + compile both apps, median of 20 later runs: {median:.1f} ms  (ratio {median / GOAL_MS:.2f} of the goal)")
