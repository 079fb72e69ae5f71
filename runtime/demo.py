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
comes after the records it links to, and the tables nothing links to (orders, ledger entries, top-ups)
are written together in time order. Each row is a savepoint of a transaction committed every BATCH
rows: a refused row rolls back alone, and a commit per row would be a third of the time of a large demo. The messages their rules
would send (to made-up phones) are not kept. Only empty tables are filled, so a restart adds nothing.
"""
from __future__ import annotations

import datetime as dt
import heapq
import random
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from engines.common import clock
from engines.form.errors import RecordError

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉建华飞鑫波宁婷欣雪琳晨宇浩然子涵梓萱一诺思远嘉怡"
REGIONS = [("广东省", "深圳市", "南山区"), ("广东省", "广州市", "天河区"), ("上海市", "上海市", "浦东新区"),
           ("北京市", "北京市", "朝阳区"), ("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"),
           ("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "洪山区"), ("福建省", "厦门市", "思明区"),
           ("山东省", "青岛市", "市南区"), ("陕西省", "西安市", "雁塔区"), ("湖南省", "长沙市", "岳麓区")]
WORDS = ["经典", "精选", "限定", "尊享", "臻品", "悦享", "优选", "畅享", "星耀", "匠心"]
THINGS = ["保温杯", "帆布袋", "蓝牙耳机", "咖啡券", "雨伞", "笔记本", "香薰", "抱枕", "茶具", "毛巾"]
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "177", "180", "181", "182", "186", "187", "188", "189"]
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
        order = sorted(_dependency_order(form.tables), key=lambda n: not _setup(form.tables[n]))
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
    gen = _Generator(rng, pools, t)
    times, zone = _time_fields(t), form.timezone
    setup = gen.now - dt.timedelta(days=366)      # rows without a time (stores, products): set up before it all

    def draw(i, kept=None):
        values = {name: gen.value(f, i) for name, f in t.fields.items()
                  if not form.ftype(f).computed and form.ftype(f).stored}
        if t.ledger is not None:     # credits: a random debit could be refused
            amount = t.fields[t.ledger.amount]
            values[t.ledger.amount] = rng.choice(amount.demo) if amount.demo else _credit(rng, amount)
        for name, (via, parent_of) in derived.items():
            values[name] = parent_of.get(values.get(via), values.get(name))
        values = {k: v for k, v in values.items() if v is not None}
        if kept is not None:
            values.update(kept)
        return values

    def again(i, first, kept, moment):
        """Other values at `moment`: its own times at its first moment, else all at `moment`."""
        kept = kept if moment == first else _times_at(t, kept, moment, zone)
        for _ in range(TRIES):
            values = draw(i, kept)
            if _made_by(t, values, born) <= moment:
                return values
        return None

    rows = []
    for i in range(n):
        values = draw(i)
        floor = _after_links(t, times, values, born, gen, zone)
        moment = _moment(t, times, values, zone) or (_between(gen, floor) if floor else setup)
        kept = {name: values[name] for name in times if name in values}
        rows.append(_Row(t, moment, values, lambda m, i=i, first=moment, kept=kept: again(i, first, kept, m)))
    return rows


def _times_at(t, kept, moment, zone) -> dict:
    """The row's time fields, all at `moment` (a date: its day in the app's zone)."""
    return {name: moment.astimezone(zone).date().isoformat() if t.fields[name].type == "date" else moment.isoformat()
            for name in kept}


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


def _setup(t) -> bool:
    return not _time_fields(t) and not any(f.type in ("link", "multi_link") for f in t.fields.values())


def _time_fields(t) -> list[str]:
    """The fields that say when a row happened, best first: the times (or dates) that default to now
    (today), then the other datetimes (a task's completed_at)."""
    times = [n for n, f in t.fields.items() if f.type in ("datetime", "date") and f.default in ("now", "today")]
    return times + [n for n, f in t.fields.items() if f.type == "datetime" and n not in times]


def _after_links(t, times, values, born, gen, zone) -> dt.datetime | None:
    """A row happens after the records it links to were made (an order after its member signed up):
    its times before the latest of them are drawn again between that moment and now. Otherwise the
    history would not hold together: rewound to a day between the two (`tessera simulate`), the order
    would link to a member not there yet."""
    made = _made_by(t, values, born)
    if made == EPOCH:
        return None
    floor = made + dt.timedelta(minutes=1)
    for name in times:
        moment = _moment(t, [name], values, zone)
        if moment is None or moment >= floor:
            continue
        again = _between(gen, floor)
        if t.fields[name].type == "date":        # noon of its day (as _moment reads it), on or after floor
            day = again.astimezone(zone).date()
            values[name] = (day if dt.datetime.combine(day, dt.time(12), zone) >= floor
                            else day + dt.timedelta(days=1)).isoformat()
        else:
            values[name] = again.isoformat()
    return floor


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _made_by(t, values, born) -> dt.datetime:
    """When the latest of the records the row links to was made (EPOCH: it links to none)."""
    made = [born[f.table].get(v) for name, f in t.fields.items() if f.type in ("link", "multi_link")
            for v in (values.get(name) if f.type == "multi_link" else [values.get(name)]) or ()]
    made = [m.replace(tzinfo=dt.timezone.utc) if m.tzinfo is None else m for m in made if m is not None]
    return max(made, default=EPOCH)


def _between(gen, floor: dt.datetime) -> dt.datetime:
    return floor + (gen.now - floor) * gen.rng.random() if gen.now > floor else floor


def _moment(t, times, values, zone) -> dt.datetime | None:
    """When the row happened: its first time field with a value (a date at noon)."""
    for name in times:
        f, value = t.fields[name], values.get(name)
        if value is None:
            continue
        if f.type == "date":
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12), zone)
        moment = dt.datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return None


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


def _credit(rng, f):
    return rng.randint(1, 500) if f.type == "integer" else str(Decimal(rng.randint(100, 50000)) / 100)


USERS = "__users__"     # the pool of demo users for required `user` fields (one per record)


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


class _Generator:
    def __init__(self, rng: random.Random, pools, table):
        self.rng, self.pools = rng, pools
        self.title = table.title_field
        # a table of people (it has a sign-in account or a birthday) names people; others name things
        self.people = any(f.type == "user" or "birth" in n or n == "gender" for n, f in table.fields.items())
        self.now = dt.datetime.now(dt.timezone.utc)

    def value(self, f, i):
        r = self.rng
        handler = getattr(self, "_" + f.type, None)
        if handler is None:
            return None
        if f.demo:                      # the definition's own sample values (`demo:`)
            # titles in the given order: the records are told apart while the list lasts
            return f.demo[i % len(f.demo)] if f.name == self.title else r.choice(f.demo)
        if not f.required and f.type not in ("select", "link") and r.random() < 0.1:
            return None
        return handler(f, i)

    def _text(self, f, i):
        n = f.name
        if "name" in n and "user" not in n and self.people:
            return r_name(self.rng) if f.max_length is None or f.max_length >= 3 else None
        if f.unique or n.endswith(("_no", "_id", "code")):
            return f"{n[:2].upper()}{i + 1:06d}"[: f.max_length or 40]
        text = self.rng.choice(WORDS) + self.rng.choice(THINGS)
        return text[: f.max_length] if f.max_length else text

    _barcode = _text

    def _long_text(self, f, i):
        return "，".join(self.rng.choice(WORDS) + self.rng.choice(THINGS) for _ in range(3)) + "。"

    def _integer(self, f, i):
        if isinstance(f.default, int) and not f.readonly and self.rng.random() < 0.8:
            return f.default                                       # a quantity of 1, no points used
        lo = f.min if isinstance(f.min, int) else 0
        hi = f.max if isinstance(f.max, int) else max(lo + 10, 1000)
        return self.rng.randint(lo, hi) if not f.readonly else None

    def _money(self, f, i):
        lo = float(f.min) if f.min is not None else 0.0
        value = Decimal(str(round(self.rng.uniform(max(lo, 1.0), 2000.0), 2)))
        return None if f.readonly else str(value)

    _decimal = _money

    def _percent(self, f, i):
        return self.rng.choice([5, 10, 15, 20])

    def _rating(self, f, i):
        return self.rng.randint(1, int(f.max or 5))

    def _select(self, f, i):
        if f.default is not None and self.rng.random() < 0.8:     # most records keep the usual state
            return f.default
        return self.rng.choice(f.options).key if f.options else None

    def _multi_select(self, f, i):
        return [o.key for o in f.options if self.rng.random() < 0.4]

    def _boolean(self, f, i):
        if f.default is not None and self.rng.random() < 0.8:     # as for selects: mostly the usual state
            return bool(f.default)
        return self.rng.random() < 0.7

    def _phone(self, f, i):
        prefix = self.rng.choice(MOBILE_PREFIXES)
        return f"{prefix}{i:04d}{self.rng.randint(0, 9999):04d}"

    def _email(self, f, i):
        return f"user{i + 1}@example.com"

    def _url(self, f, i):
        return f"https://example.com/{i + 1}"

    def _date(self, f, i):
        if "birth" in f.name:
            return dt.date(self.rng.randint(1965, 2005), self.rng.randint(1, 12), self.rng.randint(1, 28)).isoformat()
        return (self.now.date() - dt.timedelta(days=self.rng.randint(0, 364))).isoformat()

    def _datetime(self, f, i):
        back = dt.timedelta(days=self.rng.randint(0, 364), seconds=self.rng.randint(0, 86399))
        return (self.now - back).isoformat()

    def _time(self, f, i):
        return f"{self.rng.randint(8, 21):02d}:{self.rng.choice(['00', '15', '30', '45'])}"

    def _region(self, f, i):
        return "/".join(self.rng.choice(REGIONS))

    def _color(self, f, i):
        return "#%06x" % self.rng.randint(0, 0xFFFFFF)

    def _user(self, f, i):
        pool = self.pools.get(USERS) or []
        return pool[i] if i < len(pool) else None

    def _link(self, f, i):
        pool = self.pools.get(f.table) or []
        return self.rng.choice(pool) if pool else None

    def _multi_link(self, f, i):
        pool = self.pools.get(f.table) or []
        return sorted(set(self.rng.sample(pool, min(len(pool), self.rng.randint(0, 3))))) if pool else []


def r_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
