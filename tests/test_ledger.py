"""Ledgers (engines/form/ledger): the tests a ledger must pass, on real databases (SQLite, or PostgreSQL
with TESSERA_TEST_DATABASE_URL): concurrent spends, idempotent replays, lots, expiry, reversals,
append-only refusals through the API, and `tessera ledger check` catching a tampered balance."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engines.form.errors import Conflict
from engines.form.ledger.check import check_ledgers
from engines.form.ledger.expiry import expire_due
from engines.form.ledger.post import InsufficientBalance, post, reverse
from runtime.auth.tokens import create_token
from runtime.webapp import create_app
from tests.conftest import ROOT

BANK = """
app: bank
roles: [manager]
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
      points: {type: integer, default: 0, readonly: true}
  points_ledger:
    ledger: {account: member, amount: change, balance: points, expires: expires_on,
             balance_after: balance_after, expiry_entry: {reason: expiry}}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      reason: {type: select, required: true, options: [order, spend, expiry, refund, adjustment]}
      balance_after: {type: integer}
      expires_on: {type: date}
  cards:
    fields:
      card_no: {type: text}
      balance: {type: money, default: 0, readonly: true}
  card_ledger:
    ledger: {account: card, amount: amount, balance: balance}
    fields:
      card: {type: link, table: cards, required: true}
      amount: {type: money, required: true}
"""


@pytest.fixture
def bank(make_platform, tmp_path):
    p = make_platform(BANK)
    p.definition = str(tmp_path / "app0.yaml")
    return p


def _records(platform):
    return platform.apps["bank"].records


def _member(platform, name="Mia"):
    return _records(platform).create("members", {"name": name}, source="test")["id"]


def _post(platform, member, change, reason="order", **kw):
    with _records(platform).unit_of_work(source="test") as w:
        return post(w, "points_ledger", member, change, values={"reason": reason}, **kw)


def _points(platform, member):
    return _records(platform).get("members", member)["points"]


def _entries(platform, member):
    form = platform.apps["bank"].form
    sql = form.sql["points_ledger"]
    with form.engine.connect() as conn:
        return conn.execute(sa.select(sql).where(sql.c.member == member).order_by(sql.c.id)).mappings().all()


def _lots_rows(platform):
    lots = platform.apps["bank"].form.sql.lots["points_ledger"]
    with platform.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(lots.c.entry_id, lots.c.lot_id, lots.c.amount)
                                               .order_by(lots.c.id))]


def _in_threads(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:          # collected, asserted by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_32_concurrent_spends_never_overdraw(bank):
    """Each thread spends 70 in its own unit of work against a balance of 1,000 held in ten lots:
    exactly 14 spends succeed, the rest are refused, and balance, entries and lots agree."""
    m = _member(bank)
    for i in range(10):
        _post(bank, m, 100, expires=dt.date(2030, 1, 1 + i))
    results = _in_threads(32, lambda i: _post(bank, m, -70, reason="spend"))
    ok = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert len(ok) == 1000 // 70 and len(refused) == 32 - len(ok), [r for r in results if isinstance(r, Exception)
                                                                     and not isinstance(r, InsufficientBalance)]
    assert _points(bank, m) == 1000 - 70 * len(ok) == sum(e["change"] for e in _entries(bank, m))
    assert sorted(e["balance_after"] for e in _entries(bank, m) if e["change"] < 0) == \
        [1000 - 70 * k for k in range(len(ok), 0, -1)]        # every spend saw the one before it
    assert check_ledgers(bank.apps["bank"].form) == []


def test_the_same_earn_replayed_1000_times_credits_once(bank):
    m = _member(bank)
    results = _in_threads(8, lambda i: [_post(bank, m, 50, key="order:O-1")["id"] for _ in range(125)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({i for r in results for i in r}) == 1                   # always the first entry
    assert _points(bank, m) == 50 and len(_entries(bank, m)) == 1
    assert _entries(bank, m)[0]["ledger_key"] == "order:O-1"


def test_insufficient_points_message_and_nothing_written(bank):
    m = _member(bank)
    _post(bank, m, 30)
    with pytest.raises(InsufficientBalance) as exc:
        _post(bank, m, -50, reason="spend")
    assert exc.value.message.en == "insufficient points: balance 30, needs 50"
    assert exc.value.message.zh == "积分不足：当前积分 30，需要 50"
    assert exc.value.status == 409
    assert _points(bank, m) == 30 and len(_entries(bank, m)) == 1


def test_spends_consume_lots_soonest_expiry_first(bank):
    m = _member(bank)
    late = _post(bank, m, 100, expires=dt.date(2030, 3, 1))["id"]
    never = _post(bank, m, 100)["id"]
    soon = _post(bank, m, 100, expires=dt.date(2030, 1, 1))["id"]
    s1 = _post(bank, m, -150, reason="spend")["id"]
    s2 = _post(bank, m, -100, reason="spend")["id"]
    assert _lots_rows(bank) == [(s1, soon, 100), (s1, late, 50), (s2, late, 50), (s2, never, 50)]
    remaining = {e["id"]: e["ledger_remaining"] for e in _entries(bank, m)}
    assert (remaining[soon], remaining[late], remaining[never]) == (0, 0, 50)
    assert [e["ledger_kind"] for e in _entries(bank, m)] == ["earn", "earn", "earn", "spend", "spend"]
    assert check_ledgers(bank.apps["bank"].form) == []


def test_expiry_job_expires_what_is_left_of_past_lots_once(bank):
    m = _member(bank)
    old = _post(bank, m, 100, expires=dt.date(2026, 11, 20))["id"]
    _post(bank, m, 40, expires=dt.date(2026, 11, 23))                   # valid through today
    _post(bank, m, -30, reason="spend")                                  # taken from the older lot
    now = dt.datetime(2026, 11, 23, 0, 5, tzinfo=dt.timezone.utc)         # 08:05 in Shanghai
    assert expire_due(bank.apps["bank"].form, now) == 1
    expiry = _entries(bank, m)[-1]
    assert (expiry["change"], expiry["reason"], expiry["ledger_kind"], expiry["ledger_key"]) == \
        (-70, "expiry", "expire", f"expire:{old}")
    assert _points(bank, m) == 40
    assert expire_due(bank.apps["bank"].form, now) == 0                   # a rerun finds nothing due
    assert len(_entries(bank, m)) == 4
    assert check_ledgers(bank.apps["bank"].form) == []


def test_scheduler_offers_the_expiry_job(bank):
    from engines.form.jobs import scheduler_jobs
    jobs = scheduler_jobs(bank)
    assert [j.id for j in jobs] == ["form.ledger_expiry.bank"]
    m = _member(bank)
    _post(bank, m, 10, expires=dt.date(2020, 1, 1))
    assert jobs[0].run(bank, dt.datetime.now(dt.timezone.utc)) == 1 and _points(bank, m) == 0


def test_full_and_proportional_reversal(bank):
    m = _member(bank)
    earn = _post(bank, m, 100)["id"]
    with _records(bank).unit_of_work(source="test") as w:
        part = reverse(w, "points_ledger", earn, ratio=Decimal("0.3"), values={"reason": "refund"})
    assert part["change"] == -30 and part["reason"] == "refund" and _points(bank, m) == 70
    with _records(bank).unit_of_work(source="test") as w:
        rest = reverse(w, "points_ledger", earn, key="refund:O-1")            # the rest, reason carried over
    assert rest["change"] == -70 and rest["reason"] == "order" and _points(bank, m) == 0
    with pytest.raises(Conflict), _records(bank).unit_of_work(source="test") as w:
        reverse(w, "points_ledger", earn, amount=1)
    with _records(bank).unit_of_work(source="test") as w:                      # the key again: no effect
        assert reverse(w, "points_ledger", earn, key="refund:O-1")["id"] == rest["id"]
    assert check_ledgers(bank.apps["bank"].form) == []


def test_reversing_spent_points_records_a_debt_not_a_negative_balance(bank):
    m = _member(bank)
    earn = _post(bank, m, 100)["id"]
    _post(bank, m, -80, reason="spend")
    with _records(bank).unit_of_work(source="test") as w:
        rev = reverse(w, "points_ledger", earn, values={"reason": "refund"})
    entry = _entries(bank, m)[-1]
    assert rev["change"] == -20 and entry["ledger_debt"] == 80 and entry["ledger_reverses"] == earn
    assert _points(bank, m) == 0
    with pytest.raises(Conflict), _records(bank).unit_of_work(source="test") as w:
        reverse(w, "points_ledger", earn, amount=1)                         # 20 taken + 80 owed: all of it
    assert check_ledgers(bank.apps["bank"].form) == []


def test_reversing_a_spend_gives_back_points_expiring_like_those_it_used(bank):
    m = _member(bank)
    _post(bank, m, 100, expires=dt.date(2030, 6, 1))
    spend = _post(bank, m, -60, reason="spend")["id"]
    with _records(bank).unit_of_work(source="test") as w:
        back = reverse(w, "points_ledger", spend, amount=20, values={"reason": "refund"})
    assert back["change"] == 20 and back["expires_on"] == dt.date(2030, 6, 1) and _points(bank, m) == 60
    assert check_ledgers(bank.apps["bank"].form) == []


def test_money_ledger_keeps_exact_cents(bank):
    card = _records(bank).create("cards", {"card_no": "8001"}, source="test")["id"]
    with _records(bank).unit_of_work(source="test") as w:
        for amount in ("0.10", "0.20"):
            post(w, "card_ledger", card, Decimal(amount))
        post(w, "card_ledger", card, Decimal("-0.30"))           # 0.1 + 0.2 is 0.3 here, not 0.30000000000000004
    assert _records(bank).get("cards", card)["balance"] == Decimal("0.00")
    with pytest.raises(InsufficientBalance) as exc, _records(bank).unit_of_work(source="test") as w:
        post(w, "card_ledger", card, Decimal("50.00"))
        post(w, "card_ledger", card, Decimal("-80.50"))
    assert exc.value.message.en == "insufficient balance: balance 50.00, needs 80.50"
    assert _records(bank).get("cards", card)["balance"] == Decimal("0.00")   # the whole unit rolled back
    assert check_ledgers(bank.apps["bank"].form) == []


def test_api_posts_entries_and_refuses_changing_them_or_the_balance(bank):
    client = create_app(bank).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + create_token(bank, "t", "bank", "manager")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    m = client.post("/api/bank/members", json={"name": "Mia"}).get_json()["id"]
    r = client.post("/api/bank/points_ledger", json={"member": m, "change": 25, "reason": "adjustment"})
    assert r.status_code == 201 and r.get_json()["balance_after"] == 25
    entry = r.get_json()["id"]
    assert client.get(f"/api/bank/members/{m}").get_json()["points"] == 25
    r = client.patch(f"/api/bank/points_ledger/{entry}", json={"change": 2500})
    assert r.status_code == 409 and "post a reversal" in r.get_json()["error"]["message"]
    assert client.delete(f"/api/bank/points_ledger/{entry}").status_code == 409
    r = client.patch(f"/api/bank/members/{m}", json={"points": 9999})
    assert r.status_code == 422 and "points" in r.get_json()["error"]["fields"]
    r = client.post("/api/bank/points_ledger", json={"member": m, "change": -26, "reason": "spend"})
    assert r.status_code == 409 and r.get_json()["error"]["message"] == "insufficient points: balance 25, needs 26"
    assert client.get(f"/api/bank/members/{m}").get_json()["points"] == 25
    with pytest.raises(Exception) as exc:            # not even the system sets a balance around its ledger
        _records(bank).update("members", m, {"points": 1}, source="system")
    assert "points" in getattr(exc.value, "fields", {})


def test_ledger_check_command_catches_a_tampered_balance(bank, db_url):
    m = _member(bank)
    _post(bank, m, 120)
    cmd = [sys.executable, "-m", "runtime.cli", "ledger", "check", bank.definition, "--db", db_url]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert ok.returncode == 0 and "ok: 2 ledger(s)" in ok.stdout, ok.stderr
    members = bank.apps["bank"].form.sql["members"]
    with bank.engine.begin() as conn:
        conn.execute(sa.update(members).where(members.c.id == m).values(points=500))
    bad = subprocess.run(cmd + ["--app", "bank"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert bad.returncode == 1
    assert f"bank.points_ledger: account {m}: balance 500 but its entries add up to 120" in bad.stdout
    assert f"bank.points_ledger: account {m}: balance 500 but its unspent lots add up to 120" in bad.stdout


def test_definition_errors_are_reported(tmp_path):
    from builder import BuildFailed, compile_app
    bad = BANK.replace("points: {type: integer, default: 0, readonly: true}", "points: {type: integer}") \
        .replace("amount: amount, balance: balance", "amount: amont, balance: balance")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_app(str(path))
    text = str(exc.value)
    assert "mark 'members.points' `readonly: true`" in text
    assert "table 'card_ledger' has no field 'amont' (did you mean 'amount'?)" in text


def test_loyalty_points_are_a_ledger(make_platform):
    p = make_platform(ROOT / "apps" / "loyalty.yaml")
    records = p.apps["loyalty"].records
    m = records.create("members", {"name": "Mia"}, source="test")["id"]
    with records.unit_of_work(source="rule") as w:
        post(w, "points_ledger", m, 120, values={"reason": "order", "reference": "O-1"}, key="order:O-1",
             expires=dt.date(2027, 12, 31), rule="earn_on_order")
        spend = post(w, "points_ledger", m, -20, values={"reason": "redemption"})
    assert records.get("members", m)["points"] == 100 and spend["balance_after"] == 100
    with pytest.raises(Conflict):
        records.update("points_ledger", spend["id"], {"note": "edited"}, source="system")
    assert check_ledgers(p.apps["loyalty"].form) == []


def test_concurrent_reversals_and_spends_keep_the_books(bank):
    """Refunds of one credit racing with spends on the same account: never more reversed than the
    credit, never an overdraft, no deadlock, and the books balance."""
    m = _member(bank)
    earn = _post(bank, m, 300)["id"]
    _post(bank, m, 300, expires=dt.date(2030, 1, 1))

    def work(i):
        if i % 2:
            return _post(bank, m, -40, reason="spend")
        with _records(bank).unit_of_work(source="test") as w:
            return reverse(w, "points_ledger", earn, amount=50, values={"reason": "refund"})

    results = _in_threads(16, work)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, (Conflict, InsufficientBalance))]
    assert not unexpected, unexpected
    entries = _entries(bank, m)
    reversed_total = sum(-e["change"] + (e["ledger_debt"] or 0) for e in entries if e["ledger_reverses"] == earn)
    assert reversed_total == 50 * sum(1 for r in results[0::2] if isinstance(r, dict)) <= 300
    assert _points(bank, m) == sum(e["change"] for e in entries) >= 0
    assert check_ledgers(bank.apps["bank"].form) == []
