"""What one world did in the period: the ledger's entries per day and per tier, each account's
balance, tier and net change, the messages queued and the rules that failed. Measured on the scratch
copy twice: as it was live (rewound to the period's end) and as the replay left it."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

MAX_ERRORS = 5        # texts kept per failed rule (all are counted)
MAX_LISTED = 500


@dataclass
class World:
    days: dict = field(default_factory=lambda: defaultdict(_sums))
    tiers: dict = field(default_factory=lambda: defaultdict(_sums))
    net: dict = field(default_factory=lambda: defaultdict(int))          # account id -> period's sum
    balances: dict = field(default_factory=dict)
    tier_of: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    messages: list = field(default_factory=list)
    message_count: int = 0
    failures: list = field(default_factory=list)

    def totals(self, point_value) -> dict:
        sums = _sums()
        for day in self.days.values():
            for k, v in day.items():
                sums[k] += v
        outstanding = sum(max(b, 0) for b in self.balances.values())
        return {**sums, "outstanding": outstanding, "liability": outstanding * point_value}


def _sums() -> dict:
    return {"issued": 0, "spent": 0, "expired": 0}


def ledger_of(form, name: str | None = None):
    """The ledger table measured: `name`, or the app's first."""
    ledgers = [t for t in form.tables.values() if t.ledger is not None]
    chosen = [t for t in ledgers if name in (None, t.name)]
    return chosen[0] if chosen else None


def measure(platform, form, conn, start, end, ledger: str | None, tier_field: str | None) -> World:
    world = World()
    t = ledger_of(form, ledger)
    if t is not None:
        _accounts(form, conn, t, tier_field, world)
        _entries(form, conn, t, start, end, world)
    _messages(platform, conn, form.name, start, end, world)
    _failures(platform, conn, form.name, start, end, world)
    return world


def _accounts(form, conn, t, tier_field, world) -> None:
    led = t.ledger
    acc = form.tables[led.account_table]
    sql = form.sql[acc.name]
    title = acc.title_field if acc.title_field in sql.c else "id"
    tier = sql.c[tier_field] if tier_field and tier_field in sql.c else sa.null()
    for rid, balance, name, level in conn.execute(sa.select(sql.c.id, sql.c[led.balance], sql.c[title], tier)):
        world.balances[rid] = balance or 0
        world.names[rid] = name
        world.tier_of[rid] = level


def _entries(form, conn, t, start, end, world) -> None:
    led, sql = t.ledger, form.sql[t.name]
    stmt = (sa.select(sql.c[led.account], sql.c[led.amount], sql.c.created_at, sql.c.ledger_kind)
            .where(sql.c.created_at >= start, sql.c.created_at < end, sa.func.coalesce(sql.c.ledger_pending, False)
                   .is_not(True)))
    zone = form.timezone
    for account, amount, at, kind in conn.execute(stmt):
        day = at.replace(tzinfo=dt.timezone.utc).astimezone(zone).date().isoformat()
        what = "expired" if kind == "expire" else "issued" if amount > 0 else "spent"
        size = abs(amount)
        world.days[day][what] += size
        world.tiers[world.tier_of.get(account)][what] += size
        world.net[account] += amount


def _messages(platform, conn, app, start, end, world) -> None:
    box = platform.system["outbox"]
    where = (box.c.app == app, box.c.created_at >= start, box.c.created_at < end)
    world.message_count = conn.execute(sa.select(sa.func.count()).select_from(box).where(*where)).scalar_one()
    rows = conn.execute(sa.select(box.c.created_at, box.c.channel, box.c.recipient, box.c.subject, box.c.rule,
                                  box.c.record_table, box.c.record_id).where(*where).order_by(box.c.id)
                        .limit(MAX_LISTED)).mappings()
    world.messages = [{**r, "created_at": _iso(r["created_at"])} for r in rows]


def _failures(platform, conn, app, start, end, world) -> None:
    """Per rule that failed: how often, since when, and its errors, the most frequent first (an error
    names its values, "balance 0, needs 6800": one rule gives many texts)."""
    runs = platform.rule_runs
    stmt = (sa.select(runs.c.rule, runs.c.error, sa.func.count().label("count"), sa.func.min(runs.c.at).label("first_at"))
            .where(runs.c.app == app, runs.c.outcome == "failed", runs.c.at >= start, runs.c.at < end)
            .group_by(runs.c.rule, runs.c.error).order_by(sa.func.count().desc(), runs.c.error))
    rules: dict[str, dict] = {}
    for r in conn.execute(stmt).mappings():
        rule = rules.setdefault(r["rule"], {"rule": r["rule"], "count": 0, "first_at": r["first_at"],
                                            "error": r["error"], "errors": [], "other_errors": 0})
        rule["count"] += r["count"]
        rule["first_at"] = min(rule["first_at"], r["first_at"])
        if len(rule["errors"]) < MAX_ERRORS:
            rule["errors"].append({"error": r["error"], "count": r["count"]})
        else:
            rule["other_errors"] += 1
    ranked = sorted(rules.values(), key=lambda f: -f["count"])[:MAX_LISTED]
    world.failures = [{**f, "first_at": _iso(f["first_at"])} for f in ranked]


def _iso(moment) -> str | None:
    return None if moment is None else moment.replace(tzinfo=dt.timezone.utc).isoformat()
