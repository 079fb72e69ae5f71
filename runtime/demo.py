"""Demo data for any app: plausible values chosen by field type, written through the record service.

Generic on purpose (no app-specific code): names, phones, regions, amounts and times over the last
12 months, links to existing records (kept consistent: a consumption's member is its card's member).
Rows go in one by one, so the app's rules run on each and a row they refuse (a card payment beyond the
balance) is left out. A value of a field the app's rules watch for a change (an order's status) is
reached as people reach it: the row is made without it, then updated, in the same unit of work, so the
rules on the change run (a completed order earns its points). A row is written at its own moment of
the last 12 months (its time field that defaults to now, such as an order's ordered_at): the platform
clock is set to it, so what the rules write with it (the points, their expiry, the stamps) is dated
then too. The history holds together (tessera simulate replays it: the writes' source is `demo`): a row
links to records made by its time, and the tables nothing links to (orders, ledger entries, top-ups)
are written together in time order (runtime/demo_times.py). Each row is a savepoint of a transaction
committed every BATCH rows: a refused row rolls back alone, and a commit per row would be a third of the
time of a large demo. The messages their rules would send (to made-up phones) are not kept. Only empty tables are filled, so a restart adds nothing.
"""
from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass

import sqlalchemy as sa

from engines.common import clock
from engines.form.errors import RecordError
from runtime.demo_times import (after_links, between, expiring, made_by, moment_of, setup_table, time_fields,
                                times_at)
from runtime.demo_values import USERS, Generator, credit

ROOT_COUNT, CHILD_COUNT = 60, 400
TRIES = 5           # values tried for a row the app's rules refuse (a redemption beyond the member's points)
DELAYS = 3          # times a refused row is put off to a later moment before it is left out
BATCH = 500         # rows per commit


def fill_demo_data(platform, seed: int = 2026, scale: float = 1.0, progress=None) -> dict[str, int]:
    """Fill the empty tables; `progress(app, table, rows)` is told as each table is done."""
    rng = random.Random(seed)
    outbox = platform.system["outbox"]
    with platform.engine.connect() as conn:
        first_message = conn.execute(sa.select(sa.func.coalesce(sa.func.max(outbox.c.id), 0))).scalar_one()
    empty = [(inst, name) for inst in platform.apps.values() for name in inst.form.tables
             if not _count(inst.form, name)]
    for inst in platform.apps.values():
        form = inst.form
        linked = {f.table for t in form.tables.values() for f in t.fields.values()
                  if f.type in ("link", "multi_link") and f.table != t.name}
        # what the shop set up before it all (rows without links or times: tasks, products) first
        order = sorted(_dependency_order(form.tables), key=lambda n: not setup_table(form.tables[n]))
        # then the tables others link to (members, cards), table by table; then the rest (orders,
        # ledger entries, redemptions, top-ups...) together, in the order they happened: a March
        # redemption spends what was earned by March, as it would have
        for tname in [n for n in order if n in linked]:
            if not _count(form, tname):      # filled before, or by the rules of rows already made
                _write_rows(inst, _plan(platform, inst, tname, rng, scale))
                if progress is not None:
                    progress(inst.app.name, tname, _count(form, tname))
        later = [n for n in order if n not in linked and not _count(form, n)]
        rows = [row for n in later for row in _plan(platform, inst, n, rng, scale)]
        _write_rows(inst, sorted(rows, key=lambda row: row.moment))
        for tname in later:
            if progress is not None:
                progress(inst.app.name, tname, _count(form, tname))
    # the messages the rules wrote about made-up people (M6's SMS for each consumption) are dropped:
    # they would go to made-up phone numbers the day an SMS provider is set up
    with platform.engine.begin() as conn:
        conn.execute(outbox.delete().where(outbox.c.id > first_message))
    # what each table holds now, its own rows and those the rules wrote (ledger entries, coupons)
    return {f"{inst.app.name}.{name}": _count(inst.form, name) for inst, name in empty}


@dataclass
class _Row:
    """A row to write: its table, when it happened, and how to draw its values again when the app's
    rules refuse them: `draw(moment)` (other values, links to records made by then), or None."""
    table: object
    moment: dt.datetime
    values: dict
    draw: object
    delays: int = 0


def _plan(platform, inst, tname, rng, scale) -> list[_Row]:
    form, t = inst.form, inst.form.tables[tname]
    with form.engine.connect() as conn:
        # in id order: the seeded choices then do not depend on the plan the database picks
        born = {f.table: dict(conn.execute(sa.select(form.sql[f.table].c.id, form.sql[f.table].c.created_at)
                                           .order_by(form.sql[f.table].c.id)).all())
                for f in t.fields.values() if f.type in ("link", "multi_link")}
        pools = {name: list(rows) for name, rows in born.items()}
        derived = _derived_links(form, t, conn)
    has_links = any(f.type == "link" for f in t.fields.values())
    n = t.demo_rows if t.demo_rows is not None else (CHILD_COUNT if has_links else ROOT_COUNT)
    n = max(1, round(n * scale)) if n else 0  # a scaled-down run still fills every table
    if any(f.type == "user" and f.required for f in t.fields.values()):
        pools[USERS] = _demo_users(platform, f"{inst.app.name}-{tname}", n)
    gen = Generator(rng, pools, t)
    times, zone = time_fields(t), form.timezone
    setup = gen.now - dt.timedelta(days=366)      # rows without a time (stores, products): set up before it all

    def draw(i, kept=None):
        values = {name: gen.value(f, i) for name, f in t.fields.items()
                  if not form.ftype(f).computed and form.ftype(f).stored}
        if t.ledger is not None:     # credits: a random debit could be refused
            amount = t.fields[t.ledger.amount]
            values[t.ledger.amount] = rng.choice(amount.demo) if amount.demo else credit(rng, amount)
        for name, (via, parent_of) in derived.items():
            values[name] = parent_of.get(values.get(via), values.get(name))
        values = {k: v for k, v in values.items() if v is not None}
        if kept is not None:
            values.update(kept)
        return values

    ages = {table: sorted((_utc(m), rid) for rid, m in rows.items() if m is not None) for table, rows in born.items()}

    def relink(values, moment) -> dict:
        """Links to records made by `moment` (the row's own time, drawn over the year): a January order
        goes to a member who had signed up by January, so the activity is spread over the year."""
        for name, f in t.fields.items():
            if f.type != "link" or name in derived or values.get(name) is None:
                continue
            made = born[f.table].get(values[name])
            if made is not None and _utc(made) > moment:
                older = ages[f.table][:bisect.bisect(ages[f.table], (moment, math.inf))]
                if older:
                    values[name] = rng.choice(older)[1]
        for name, (via, parent_of) in derived.items():
            values[name] = parent_of.get(values.get(via), values.get(name))
        return values

    def again(i, first, kept, moment):
        """Other values at `moment`: its own times at its first moment, else all at `moment`."""
        kept = kept if moment == first else times_at(t, kept, moment, zone)
        for _ in range(TRIES):
            values = relink(draw(i, kept), moment)
            if made_by(t, values, born) <= moment:
                return expiring(t, values, moment, zone)
        return None

    rows = []
    for i in range(n):
        values = draw(i)
        drawn = moment_of(t, times, values, zone)
        if drawn is not None:
            values = relink(values, drawn)
        floor = after_links(t, times, values, born, gen, zone)     # no record made by then: a later time
        moment = moment_of(t, times, values, zone) or (between(gen, floor) if floor else setup)
        kept = {name: values[name] for name in times if name in values}
        values = expiring(t, values, moment, zone)
        rows.append(_Row(t, moment, values, lambda m, i=i, first=moment, kept=kept: again(i, first, kept, m)))
    return rows


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment


def _write_rows(inst, rows) -> None:
    """Each row in its own savepoint at its own moment, in the order of the moments. A row the app's
    rules refuse is tried again with other values; refused TRIES times, it is put off to a later
    moment (a redemption, once the member has earned more), at most DELAYS times, then left out."""
    form, rng = inst.form, random.Random(len(rows))
    now = dt.datetime.now(dt.timezone.utc)
    watched = {}
    queue = [(row.moment, i, row) for i, row in enumerate(rows)]
    heapq.heapify(queue)
    seq, written = len(rows), 0
    with form.write_engine.connect() as conn:
        while queue:
            _moment_, _i, row = heapq.heappop(queue)
            t = row.table
            if t.name not in watched:
                watched[t.name] = _watched(form, t.name)
            values = row.values
            for _attempt in range(TRIES):
                moved = {k: values.pop(k) for k in watched[t.name] if k in values and values[k] != t.fields[k].default}
                try:
                    with clock.fixed_at(row.moment), inst.records.savepoint_of(conn, None, "demo") as w:
                        made = w.create(t.name, values)
                        if moved:
                            w.update(t.name, made["id"], moved)
                    break
                except RecordError:
                    values = row.draw(row.moment)
                    if values is None:
                        break
            else:
                if row.delays < DELAYS and row.moment < now:
                    moment = row.moment + (now - row.moment) * rng.random()
                    values = row.draw(moment)
                    if values is not None:
                        seq += 1
                        heapq.heappush(queue, (moment, seq, _Row(t, moment, values, row.draw, row.delays + 1)))
            written += 1
            if written % BATCH == 0:
                conn.commit()
        conn.commit()


def _watched(form, table) -> set[str]:
    """The fields of `table` whose change a rule of the app reacts to (`when: {updated:, changed:}`)."""
    rules = form.extensions.get("rules")
    return {name for r in (rules.rules if rules is not None else ()) if r.enabled
            and r.trigger.kind == "updated" and r.trigger.table == table for name in r.trigger.changed
            if not form.tables[table].fields[name].readonly}


def _count(form, table) -> int:
    with form.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(form.sql[table])).scalar_one()


def _derived_links(form, t, conn) -> dict:
    """Links that must agree with another link of the same row: a consumption's member is its card's
    member. {field: (the other link field, {that record's id: the value to take})}."""
    out = {}
    links = {n: f for n, f in t.fields.items() if f.type == "link"}
    for name, f in links.items():
        for via, g in links.items():
            parent = form.tables[g.table]
            hop = next((h for h, pf in parent.fields.items() if pf.type == "link" and pf.table == f.table), None)
            if via != name and g.table != f.table and hop is not None:
                sql = form.sql[g.table]
                out[name] = (via, dict(conn.execute(sa.select(sql.c.id, sql.c[hop])).all()))
                break
    return out


def _demo_users(platform, prefix: str, n: int) -> list[int]:
    """Users `<app>-<table>-<n>` without a password (they cannot sign in until `tessera users passwd`)."""
    users = platform.system["users"]
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ids = []
    with platform.engine.begin() as conn:
        for i in range(n):
            name = f"{prefix}-{i + 1}"
            found = conn.execute(sa.select(users.c.id).where(users.c.username == name)).scalar()
            ids.append(found or conn.execute(users.insert().values(username=name, created_at=now))
                       .inserted_primary_key[0])
    return ids


def _dependency_order(tables) -> list[str]:
    order, seen = [], set()

    def visit(name, stack=()):
        if name in seen or name in stack:
            return
        for f in tables[name].fields.values():
            if f.type in ("link", "multi_link") and f.table != name:
                visit(f.table, stack + (name,))
        seen.add(name)
        order.append(name)

    for name in tables:
        visit(name)
    return order


