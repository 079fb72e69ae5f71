"""List page and list API requests per second on a 100k-row table, against a minimal hand-written
Flask view running the same query (goal: Tessera at least 0.7 of the baseline).

Both apps run in this process through Flask's test client (no network noise), one request at a
time, for the same wall time each; the table is filled with a bulk insert (setup, not measured).
"""
import datetime as dt
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask, jsonify, render_template_string  # noqa: E402

from runtime.platform import Platform  # noqa: E402
from runtime.webapp import create_app  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SECONDS = 5.0
DEFINITION = """
app: bench
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
      phone: {type: text, unique: true}
      tier: {type: select, options: [normal, vip, vvip]}
      points: {type: integer}
      balance: {type: money}
      joined: {type: date}
"""
BASELINE_HTML = """<!doctype html><html><body><h1>Members ({{ total }})</h1><table>
{% for r in rows %}<tr><td><a href="/members/{{ r.id }}">{{ r.name }}</a></td><td>{{ r.phone }}</td>
<td>{{ r.tier }}</td><td>{{ r.points }}</td><td>{{ r.balance }}</td><td>{{ r.joined }}</td></tr>{% endfor %}
</table></body></html>"""


def fill(platform):
    sql = platform.apps["bench"].form.sql["members"]
    rng = random.Random(1)
    now = dt.datetime(2026, 1, 1)
    with platform.engine.begin() as conn:
        for start in range(0, ROWS, 10_000):
            conn.execute(sql.insert(), [
                {"name": f"会员{i}", "phone": f"+86138{i:08d}", "tier": rng.choice(["normal", "vip", "vvip"]),
                 "points": rng.randint(0, 10_000), "balance": Decimal(rng.randint(0, 99_999)) / 100,
                 "joined": dt.date(2025, 1, 1) + dt.timedelta(days=i % 365),
                 "created_at": now, "updated_at": now}
                for i in range(start, min(ROWS, start + 10_000))])


def baseline_app(engine, sql):
    app = Flask("baseline")

    def query():
        with engine.connect() as conn:
            rows = conn.execute(sa.select(sql).order_by(sql.c.id.desc()).limit(26)).mappings().all()
            total = conn.execute(sa.select(sa.func.count()).select_from(sql)).scalar_one()
        return rows[:25], total

    @app.get("/members")
    def page():
        rows, total = query()
        return render_template_string(BASELINE_HTML, rows=rows, total=total)

    @app.get("/api/members")
    def api():
        rows, total = query()
        return jsonify(data=[{**r, "balance": str(r["balance"]), "joined": r["joined"].isoformat(),
                              "created_at": r["created_at"].isoformat(), "updated_at": r["updated_at"].isoformat()}
                             for r in rows], total=total)
    return app


def rates(ours, our_url, theirs, their_url, rounds: int = 10) -> tuple[float, float]:
    """Alternate short runs of both so that background load hits both alike; requests per second."""
    for client, url in ((ours, our_url), (theirs, their_url)):
        assert client.get(url).status_code == 200, url
    counts, spent = [0, 0], [0.0, 0.0]
    for _ in range(rounds):
        for i, (client, url) in enumerate(((ours, our_url), (theirs, their_url))):
            start = time.perf_counter()
            while time.perf_counter() - start < SECONDS / rounds:
                assert client.get(url).status_code == 200
                counts[i] += 1
            spent[i] += time.perf_counter() - start
    return counts[0] / spent[0], counts[1] / spent[1]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.yaml").write_text(DEFINITION)
        platform = Platform.from_files([str(Path(tmp) / "bench.yaml")], f"sqlite:///{tmp}/bench.db", tmp)
        fill(platform)
        tessera = create_app(platform).test_client()
        base = baseline_app(platform.engine, platform.apps["bench"].form.sql["members"]).test_client()
        print(f"{ROWS} rows, SQLite (WAL), {SECONDS:.0f} s each, alternating in short runs, one request at a time")
        for label, ours, theirs in (("list page", "/bench/members/", "/members"),
                                    ("list API ", "/api/bench/members", "/api/members")):
            a, b = rates(tessera, ours, base, theirs)
            print(f"{label}: tessera {a:7.1f} req/s   hand-written Flask {b:7.1f} req/s   ratio {a / b:.2f} (goal >= 0.70)")
        deep = tessera.get("/api/bench/members?limit=25").get_json()
        for _ in range(200):  # walk 200 pages in: keyset pages cost the same as the first
            deep = tessera.get(deep["links"]["next"]).get_json()
        start = time.perf_counter()
        for _ in range(20):
            tessera.get(deep["links"]["next"])
        print(f"page 200 of the API list: {(time.perf_counter() - start) / 20 * 1000:.1f} ms per request")
        platform.dispose()


if __name__ == "__main__":
    main()
