"""The permission matrix of the shipped apps (apps/loyalty.yaml, apps/membership-card.yaml), checked for
every role of each app and every table, through the JSON API (session and Bearer token) and the pages.

The expectations are written out below as a table, one line per table and role, to be read against
the `permissions:` blocks of the YAML. Expected rows are computed from the fixture data (who owns a
record, which store it belongs to, whether it is active), never written as ids.

The data set, the users and the signed-in clients are made once for the module: every test that
writes puts things back as they were (created records are deleted, changed values restored), so the
read expectations hold whatever order the tests run in.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
import yaml

from runtime.auth import create_user, grant
from runtime.auth.tokens import create_token
from runtime.platform import Platform
from runtime.webapp import create_app
from tests.conftest import PG_URL, ROOT, _wipe, csrf_from, sign_in
from tests.screens_fixture import field_error

APPS = {"loyalty": ROOT / "apps" / "loyalty.yaml", "membership-card": ROOT / "apps" / "membership-card.yaml"}

# -- the matrix ---------------------------------------------------------------------------------------
# Row scopes: all = every row; own = the rows the signed-in user owns (through the table's `owner:`);
# store = record.store == user.store (the user's `staff` profile); active = record.active; - = refused.
# hidden= fields that never leave the server for the role; readonly= fields the role may not set
# (create and update). Field-level `readonly: true` (points, balance, ...) is read from the definition.
MATRIX = {
    "loyalty": """
    # table          role          read    create  update  delete  fields
    members          admin         all     all     all     all
    members          operator      all     all     all     -
    members          store_staff   all     all     all     -       readonly=points,total_earned,tier,account
    members          warehouse     all     -       -       -       hidden=birthday,gender,region,user_id,order_count
    #   (order_count, a count of orders, is hidden too: the warehouse may not read orders)
    members          member        own     -       own     -       readonly=member_no,user_id,birthday,tier,points,total_earned,profile_completed,registered_at,account
    members          vip_service   all     -       -       -       hidden=user_id
    points_ledger    admin         all     all     -       -
    #   (a ledger's entries are append-only: a mistake is undone by a reversal, docs/ledgers.md)
    points_ledger    operator      all     all     -       -
    points_ledger    store_staff   all     -       -       -
    points_ledger    warehouse     -       -       -       -
    points_ledger    member        own     -       -       -
    points_ledger    vip_service   all     -       -       -
    orders           admin         all     all     all     all
    orders           operator      all     all     all     -
    orders           store_staff   all     all     all     -
    orders           warehouse     -       -       -       -
    orders           member        own     -       -       -
    orders           vip_service   all     -       -       -
    products         admin         all     all     all     all
    products         operator      all     all     all     all
    products         warehouse     all     -       all     -
    products         store_staff   all     -       -       -
    products         member        active  -       -       -
    products         vip_service   -       -       -       -
    redemptions      admin         all     all     all     all
    redemptions      operator      all     all     all     -
    redemptions      warehouse     all     -       all     -       readonly=member,product,quantity,points_cost
    redemptions      store_staff   all     -       -       -
    redemptions      member        own     -       -       -
    redemptions      vip_service   all     -       -       -
    coupons          admin         all     all     all     all
    coupons          operator      all     all     all     all
    coupons          store_staff   all     -       all     -       readonly=member,face_value,min_spend,points_cost,source,expires_on
    coupons          warehouse     -       -       -       -
    coupons          member        own     -       -       -
    coupons          vip_service   all     -       -       -
    check_ins        admin         all     all     all     all
    check_ins        operator      all     -       -       all
    check_ins        store_staff   all     -       -       -
    check_ins        warehouse     -       -       -       -
    check_ins        member        own     -       -       -
    check_ins        vip_service   -       -       -       -
    tasks            admin         all     all     all     all
    tasks            operator      all     all     all     all
    tasks            store_staff   all     -       -       -
    tasks            warehouse     -       -       -       -
    tasks            member        active  -       -       -
    tasks            vip_service   -       -       -       -
    task_progress    admin         all     all     all     all
    task_progress    operator      all     -       all     -
    task_progress    store_staff   -       -       -       -
    task_progress    warehouse     -       -       -       -
    task_progress    member        own     -       -       -
    task_progress    vip_service   -       -       -       -
    lottery_draws    admin         all     all     all     all
    lottery_draws    operator      all     -       -       -
    lottery_draws    store_staff   all     -       -       -
    lottery_draws    warehouse     -       -       -       -
    lottery_draws    member        own     -       -       -
    lottery_draws    vip_service   -       -       -       -
    #   (members draw with the lucky_draw button, whose rule writes as the system: L9)
    campaigns        admin         all     all     all     all
    campaigns        operator      all     all     all     -       readonly=granted_at,granted_to
    campaigns        store_staff   all     -       -       -
    campaigns        warehouse     -       -       -       -
    campaigns        member        -       -       -       -
    campaigns        vip_service   -       -       -       -
    #   (L10: the rule dedicated_service sets priority, queue and due time; members and the VIP queue cannot)
    service_requests admin         all     all     all     all
    service_requests operator      all     all     all     -
    service_requests warehouse     -       -       -       -
    service_requests store_staff   all     all     -       -
    service_requests member        own     own     -       -       readonly=priority,queue,due_at,status,assignee,reply,requested_at,resolved_at
    service_requests vip_service   all     -       all     -       readonly=member,category,subject,body,priority,queue,due_at,requested_at
    """,
    "membership-card": """
    # table          role          read    create  update  delete  fields
    stores           admin         all     all     all     all
    stores           store_manager all     -       -       -
    stores           store_staff   all     -       -       -
    stores           member        all     -       -       -
    stores           pos           -       -       -       -
    staff            admin         all     all     all     all
    staff            store_manager store   -       -       -
    staff            store_staff   own     -       -       -
    staff            member        -       -       -       -
    staff            pos           -       -       -       -
    members          admin         all     all     all     all
    members          store_manager all     all     all     -       readonly=points,account
    members          store_staff   all     all     all     -       readonly=points,tier,account
    members          member        own     -       own     -       readonly=initial_points,points,tier,birthday,store,channel,joined_at,account
    members          pos           -       -       -       -
    cards            admin         all     all     all     all
    cards            store_manager all     all     all     -
    cards            store_staff   all     all     all     -
    cards            member        own     -       -       -
    cards            pos           -       -       -       -
    top_ups          admin         all     all     all     all
    top_ups          store_manager store   store   -       -
    top_ups          store_staff   store   store   -       -
    top_ups          member        own     -       -       -
    top_ups          pos           -       -       -       -
    card_ledger      admin         all     all     -       -
    card_ledger      store_manager all     -       -       -
    card_ledger      store_staff   all     -       -       -
    card_ledger      member        own     -       -       -
    card_ledger      pos           -       -       -       -
    points_ledger    admin         all     all     -       -
    points_ledger    store_manager all     all     -       -
    points_ledger    store_staff   all     -       -       -
    points_ledger    member        own     -       -       -
    points_ledger    pos           -       -       -       -
    consumptions     admin         all     all     all     all
    consumptions     store_manager store   store   -       -
    consumptions     store_staff   store   store   -       -
    consumptions     member        own     -       -       -
    consumptions     pos           -       -       -       -
    coupons          admin         all     all     all     all
    coupons          store_manager all     all     all     -
    coupons          store_staff   all     -       all     -       readonly=member,kind,discount_rate,issued_on,expires_on
    coupons          member        own     -       -       -
    coupons          pos           -       -       -       -
    """,
}
ACTIONS = ("read", "create", "update", "delete")
SYSTEM_KEYS = {"id", "created_at", "updated_at", "created_by", "updated_by"}
COMPUTED_TYPES = {"auto_number", "lookup", "rollup", "formula"}


@dataclass(frozen=True)
class Expect:
    app: str
    table: str
    role: str
    read: str | None
    create: str | None
    update: str | None
    delete: str | None
    hidden: frozenset = frozenset()
    readonly: frozenset = frozenset()

    @property
    def id(self):
        return f"{self.app}-{self.role}-{self.table}"


def _parse(app, text):
    out = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        table, role, *scopes = line.split()
        lists = {}
        for extra in scopes[4:]:
            key, _, names = extra.partition("=")
            lists[key] = frozenset(names.split(","))
        rules = {a: (None if s == "-" else s) for a, s in zip(ACTIONS, scopes[:4])}
        out.append(Expect(app, table, role, **rules, **lists))
    return out


EXPECTATIONS = [e for app, text in MATRIX.items() for e in _parse(app, text)]
CASES = [pytest.param(e, id=e.id) for e in EXPECTATIONS]

CREATE_CASES = CASES

# who plays each role (the first user listed for it); l_max and c_lucy are "the other member"
PEOPLE = {
    "l_admin": ("loyalty", "admin"),
    "l_operator": ("loyalty", "operator"),
    "l_warehouse": ("loyalty", "warehouse"),
    "l_staff": ("loyalty", "store_staff"),
    "l_mia": ("loyalty", "member"),
    "l_max": ("loyalty", "member"),
    "l_vera": ("loyalty", "vip_service"),
    "c_admin": ("membership-card", "admin"),
    "c_manager": ("membership-card", "store_manager"),
    "c_staff": ("membership-card", "store_staff"),
    "c_lily": ("membership-card", "member"),
    "c_lucy": ("membership-card", "member"),
    "c_till": ("membership-card", "pos"),
}
ACTOR = {}
for _user, _key in PEOPLE.items():
    ACTOR.setdefault(_key, _user)
PASSWORD = "matrix-pass-2026"

# a field each table lets its writers change (not read-only for anyone), and a new value for it
HARMLESS = {
    ("loyalty", "members"): ("name", "改名的会员"),
    ("loyalty", "points_ledger"): ("note", "人工备注"),
    ("loyalty", "orders"): ("store", "南山旗舰店"),    # not status: completing an order earns points (L2)
    ("loyalty", "products"): ("description", "新的描述"),
    ("loyalty", "redemptions"): ("shipping_address", "深圳市南山区科技园1号"),
    ("loyalty", "coupons"): ("status", "used"),
    ("loyalty", "check_ins"): ("points", 11),
    ("loyalty", "tasks"): ("name", "改名的任务"),
    ("loyalty", "task_progress"): ("count", 7),
    ("loyalty", "lottery_draws"): ("points_won", 7),
    ("loyalty", "campaigns"): ("name", "改名的活动"),
    ("loyalty", "service_requests"): ("reply", "已电话回访"),
    ("membership-card", "stores"): ("address", "深南大道100号"),
    ("membership-card", "staff"): ("name", "改名的员工"),
    ("membership-card", "members"): ("name", "改名的会员"),
    ("membership-card", "cards"): ("status", "lost"),
    ("membership-card", "top_ups"): ("payment_method", "cash"),
    ("membership-card", "card_ledger"): ("reference", "人工备注"),
    ("membership-card", "points_ledger"): ("reference", "人工备注"),
    ("membership-card", "consumptions"): ("payment_method", "cash"),
    ("membership-card", "coupons"): ("status", "used"),
}


def _other_member(w, app, rec):
    current = rec.get("member")
    return next(m for m in w.member_ids[app] if m != current)


# a value each read-only field is given by someone who may not set it (it differs from the fixture's)
PROBES = {
    ("loyalty", "members"): {
        "member_no": "L2099000001", "user_id": "wx-hacked", "tier": "vvip", "points": 99999,
        "total_earned": 99999, "registered_at": "2001-01-01T08:00", "account": 999999, "birthday": "1900-01-01",
        "profile_completed": True, "signed_up": True},
    ("loyalty", "redemptions"): {
        "member": _other_member, "product": lambda w, app, rec: w.product_off, "quantity": 5, "points_cost": 1,
        "status": "approved", "tracking_no": "SF0001"},
    ("loyalty", "orders"): {"tasks_counted": True},
    ("loyalty", "campaigns"): {"granted_at": "2001-01-01T08:00", "granted_to": 99},
    ("loyalty", "service_requests"): {
        "member": _other_member, "category": "order", "subject": "改过的主题", "body": "改过的描述", "priority": "high",
        "queue": "vip_service", "due_at": "2001-01-01T08:00", "requested_at": "2001-01-01T08:00", "status": "closed",
        "assignee": lambda w, app, rec: w.uid["l_vera"], "reply": "自己写的答复", "resolved_at": "2001-01-01T08:00"},
    ("loyalty", "coupons"): {
        "member": _other_member, "face_value": "99.00", "min_spend": "1.00", "points_cost": 77,
        "source": "lottery", "expires_on": "2030-01-01"},
    ("membership-card", "members"): {
        "initial_points": 500, "points": 999, "tier": "gold", "channel": "import",
        "store": lambda w, app, rec: next(i for i in w.store_ids.values() if i != rec.get("store")),
        "joined_at": "2001-01-01T08:00", "account": 999999, "birthday": "1900-01-01"},
    ("membership-card", "cards"): {"member": _other_member, "balance": "999.00"},
    ("membership-card", "consumptions"): {"points_earned": 999, "discount": "50"},
    ("membership-card", "coupons"): {
        "member": _other_member, "kind": "campaign", "discount_rate": "15", "issued_on": "2001-01-01",
        "expires_on": "2030-01-01"},
}


def probe(w, app, table, name, rec):
    value = PROBES[(app, table)][name]
    return value(w, app, rec) if callable(value) else value


# -- the world: one platform, the data, the users, a signed-in client per user ------------------------
@dataclass
class Row:
    id: int
    owner: str | None = None        # the username whose record it is (through `owner:`)
    store: str | None = None        # "S1"/"S2": record.store (membership-card)
    active: bool | None = None


@dataclass
class World:
    platform: Platform
    flask_app: object
    uid: dict = field(default_factory=dict)
    rows: dict = field(default_factory=lambda: {app: {} for app in APPS})
    member_ids: dict = field(default_factory=lambda: {app: [] for app in APPS})
    owner_of_member: dict = field(default_factory=dict)     # (app, member id) -> username
    member_of: dict = field(default_factory=dict)           # username -> their member id
    card_of: dict = field(default_factory=dict)             # member id -> card id
    store_ids: dict = field(default_factory=dict)           # "S1" -> id
    store_of: dict = field(default_factory=dict)            # username -> "S1" (their staff record)
    product_on: int | None = None
    product_off: int | None = None
    task_on: int | None = None
    clients: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)

    def records(self, app):
        return self.platform.apps[app].records

    def table(self, app, table):
        return self.platform.apps[app].form.tables[table]

    def add(self, app, table, values, owner=None, store=None, active=None) -> dict:
        rec = self.records(app).create(table, values)
        self.rows[app].setdefault(table, []).append(Row(rec["id"], owner, store, active))
        return rec

    def remove(self, app, table, record_id) -> None:
        """Delete a record a test made, and the ledger entries its rules posted on the way (a top-up's
        credit and its reversal), newest first, so the next test finds the fixture's rows only."""
        form = self.platform.apps[app].form
        if form.tables[table].ledger is None:
            self.records(app).delete(table, record_id)
        else:
            self._take_back(form, table, record_id)
        self.drop_rule_entries(app)

    def drop_rule_entries(self, app) -> None:
        form = self.platform.apps[app].form
        for name, t in form.tables.items():
            if t.ledger is not None:
                known = {r.id for r in self.rows[app].get(name, [])}
                with form.engine.connect() as conn:
                    ids = conn.execute(sa.select(form.sql[name].c.id)).scalars().all()
                for entry_id in sorted(set(ids) - known, reverse=True):
                    self._take_back(form, name, entry_id)

    @staticmethod
    def _take_back(form, table, record_id) -> None:
        """A ledger entry cannot be deleted through the record service (append-only): the test takes
        it back with raw SQL, with its lots and its effect on the balance."""
        led = form.tables[table].ledger
        entries, lots, acc = form.sql[table], form.sql.lots[table], form.sql[led.account_table]
        with form.engine.begin() as conn:
            entry = conn.execute(sa.select(entries).where(entries.c.id == record_id)).mappings().one()
            assert not conn.execute(sa.select(lots).where(lots.c.lot_id == record_id,
                                                          lots.c.entry_id != record_id)).first()
            for lot_id, amount in conn.execute(sa.select(lots.c.lot_id, lots.c.amount)
                                               .where(lots.c.entry_id == record_id, lots.c.lot_id != record_id)):
                conn.execute(entries.update().where(entries.c.id == lot_id)     # a debit's lots get back what it took
                             .values(ledger_remaining=entries.c.ledger_remaining + amount))
            conn.execute(lots.delete().where(lots.c.entry_id == record_id))
            conn.execute(entries.delete().where(entries.c.id == record_id))
            conn.execute(acc.update().where(acc.c.id == entry[led.account])
                         .values({led.balance: acc.c[led.balance] - entry[led.amount]}))

    def get(self, app, table, record_id) -> dict:
        return self.records(app).get(table, record_id)

    def count(self, app, table) -> int:
        form = self.platform.apps[app].form
        with form.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(form.sql[table])).scalar_one()

    def client(self, user):
        """A test client signed in as `user` through the real /login form, and its CSRF header."""
        if user not in self.clients:
            c = self.flask_app.test_client()
            assert sign_in(c, user, PASSWORD).status_code == 303
            self.clients[user] = (c, {"X-CSRFToken": csrf_from(c.get("/").get_data(as_text=True))})
        return self.clients[user]

    def detail_page(self, user, url):
        """GET of a detail page, kept: two tests look at the same pages (nothing they check changes)."""
        if (user, url) not in self.pages:
            resp = self.client(user)[0].get(url)
            self.pages[(user, url)] = (resp.status_code, resp.get_data(as_text=True))
        return self.pages[(user, url)]

    # -- what the matrix says ----------------------------------------------------------------------
    def admits(self, scope, user, row: Row) -> bool:
        if scope is None:
            return False
        if scope == "all":
            return True
        if scope == "own":
            return user is not None and row.owner == user
        if scope == "store":
            return row.store is not None and row.store == self.store_of.get(user)
        if scope == "active":
            return bool(row.active)
        raise AssertionError(f"unknown scope {scope}")

    def expected_ids(self, e: Expect, user) -> set:
        return {r.id for r in self.rows[e.app][e.table] if self.admits(e.read, user, r)}

    def new_values(self, app, table, user, inside=True, n=None):
        """Values of a new record (and what the matrix needs to know about it): `inside` the user's
        reach (their own member, their store, active) or just outside it."""
        n = n if n is not None else next(_SEQ)
        mine = self.member_of.get(user)
        members = self.member_ids[app]
        if inside:
            member = mine or members[0]
        else:
            member = next(m for m in members if m != mine and self.owner_of_member.get((app, m)) != user)
        owner = self.owner_of_member.get((app, member))
        stores = list(self.store_ids)
        store_key = self.store_of.get(user, stores[0])
        if not inside:
            store_key = next(s for s in stores if s != store_key)
        store = self.store_ids.get(store_key)
        meta = Row(0, owner=owner)
        if app == "loyalty":
            values = {
                "members": {"name": f"新会员{n}", "phone": f"1390000{n:04d}"},
                "points_ledger": {"member": member, "change": 5, "reason": "adjustment"},
                "orders": {"order_no": f"N{n:06d}", "member": member, "amount": "10.00"},
                "products": {"name": f"商品{n}", "points_cost": 10, "active": inside},
                "redemptions": {"member": member, "product": self.product_on, "points_cost": 10},
                "coupons": {"member": member, "face_value": "5.00"},
                "check_ins": {"member": member},
                "tasks": {"name": f"任务{n}", "kind": "newcomer", "action": "order", "reward_points": 5,
                          "active": inside},
                "task_progress": {"member": member, "task": self.task_on},
                "lottery_draws": {"member": member, "cost": 20, "prize": "none"},
                "campaigns": {"name": f"活动{n}", "points": 5},
                "service_requests": {"member": member, "subject": f"咨询{n}"},
            }[table]
        else:
            values = {
                "stores": {"code": f"N{n:05d}", "name": f"新店{n}"},
                "staff": {"name": f"员工{n}", "account": 900000 + n, "store": store},
                "members": {"name": f"新会员{n}", "phone": f"1370000{n:04d}"},
                "cards": {"member": member},
                "top_ups": {"card": self.card_of[member], "amount": "100.00", "store": store},
                "card_ledger": {"card": self.card_of[member], "amount": "5.00", "reason": "adjustment"},
                "points_ledger": {"member": member, "change": 5, "reason": "adjustment"},
                "consumptions": {"member": member, "card": self.card_of[member], "amount": "20.00", "store": store,
                                 "payment_method": "cash"},
                "coupons": {"member": member},
            }[table]
        if table == "members":
            meta.owner = None
        if "store" in values:
            meta.store = store_key
        if "active" in values:
            meta.active = inside
        return values, meta


_SEQ = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("matrix")
    url, engine = f"sqlite:///{tmp / 'tessera.db'}", None
    if PG_URL:      # as conftest.db_url does, once for the module
        url_obj = sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg")
        engine = sa.create_engine(url_obj)
        _wipe(engine)
        url = url_obj.render_as_string(hide_password=False)
    platform = Platform.from_files([str(p) for p in APPS.values()], url, media_dir=str(tmp / "media"))
    flask_app = create_app(platform)
    flask_app.config["TESTING"] = True
    w = World(platform, flask_app)
    for user, (app, role) in PEOPLE.items():
        w.uid[user] = create_user(platform, user, PASSWORD)
        grant(platform, user, app, role)
    _loyalty_data(w)
    _card_data(w)
    for (app, role) in ACTOR:
        w.tokens[(app, role)] = create_token(platform, f"tok-{app}-{role}", app, role)
    yield w
    platform.dispose()
    if engine is not None:
        _wipe(engine)
        engine.dispose()


def _loyalty_data(w: World):
    app = "loyalty"
    people = (("l_mia", {"name": "Mia", "phone": "13800000001", "gender": "female", "birthday": "1990-05-01",
                         "region": "广东省/深圳市/南山区", "user_id": "wx-mia-0001", "total_earned": 300}),
              ("l_max", {"name": "Max", "phone": "13800000002", "gender": "male", "birthday": "1985-11-30",
                         "region": "上海市/上海市/徐汇区", "user_id": "wx-max-0002", "total_earned": 40}),
              (None, {"name": "散客", "phone": "13800000003", "user_id": "wx-walk-0003"}))
    members = []
    for user, values in people:
        m = w.add(app, "members", {**values, "account": w.uid[user] if user else None}, owner=user)
        members.append((m["id"], user))
        w.member_ids[app].append(m["id"])
        w.owner_of_member[(app, m["id"])] = user
        if user:
            w.member_of[user] = m["id"]
    # stock for every test's redemption (L6 takes one from stock each time; a test's is not put back)
    w.product_on = w.add(app, "products", {"name": "保温杯", "points_cost": 500, "stock": 1000, "active": True},
                         active=True)["id"]
    w.add(app, "campaigns", {"name": "周年庆", "points": 100})
    w.product_off = w.add(app, "products", {"name": "旧款雨伞", "points_cost": 300, "active": False},
                          active=False)["id"]
    w.task_on = w.add(app, "tasks", {"name": "首单", "kind": "newcomer", "action": "order", "reward_points": 50,
                                     "active": True}, active=True)["id"]
    w.add(app, "tasks", {"name": "十月挑战", "kind": "monthly", "action": "check_in", "reward_points": 20,
                         "active": False}, active=False)
    for i, (member, user) in enumerate(members):
        # 1,000 points: the redemption below takes 500 (L6), a test's redemption 500 more
        w.add(app, "points_ledger", {"member": member, "change": 1000, "reason": "register", "balance_after": 1000},
              owner=user)
        w.add(app, "orders", {"order_no": f"O-{i + 1:04d}", "member": member, "amount": "88.00", "status": "paid",
                              "store": ("南山店", "福田店")[i % 2]}, owner=user)
        w.add(app, "coupons", {"member": member, "face_value": "10.00", "points_cost": 100}, owner=user)
        w.add(app, "check_ins", {"member": member}, owner=user)
        red = w.add(app, "redemptions", {"member": member, "product": w.product_on, "points_cost": 500}, owner=user)
        w.rows[app]["points_ledger"].append(Row(_entry_by_key(w, f"redemption-{red['id']}"), user))  # its debit (L6)
        w.add(app, "task_progress", {"member": member, "task": w.task_on, "count": 1}, owner=user)
        w.add(app, "lottery_draws", {"member": member, "cost": 20, "prize": "none"}, owner=user)
        w.add(app, "service_requests", {"member": member, "category": "points", "subject": "积分没有到账"}, owner=user)


def _entry_by_key(w: World, key: str) -> int:
    entries = w.platform.apps["loyalty"].form.sql["points_ledger"]
    with w.platform.engine.connect() as conn:
        return conn.execute(sa.select(entries.c.id).where(entries.c.ledger_key == key)).scalar_one()


def _card_data(w: World):
    app = "membership-card"
    for key, code, name in (("S1", "S01", "南山店"), ("S2", "S02", "福田店")):
        w.store_ids[key] = w.add(app, "stores", {"code": code, "name": name})["id"]
    s = w.store_ids
    # the admin's staff record is in S2 too: the manager of S2 sees it, which `own` would not
    for user, name, store in (("c_staff", "小张", "S1"), ("c_manager", "王店长", "S2"), ("c_admin", "系统管理员", "S2")):
        w.add(app, "staff", {"name": name, "account": w.uid[user], "store": s[store]}, owner=user, store=store)
        w.store_of[user] = store
    members = {}
    for user, name, phone, store in (("c_lily", "李丽", "13900000001", "S1"), ("c_lucy", "陈露", "13900000002", "S2"),
                                     (None, "散客", "13900000003", "S1")):
        m = w.add(app, "members", {"name": name, "phone": phone, "birthday": "1992-02-02", "store": s[store],
                                   "account": w.uid[user] if user else None}, owner=user, store=store)
        members[user] = m["id"]
        w.member_ids[app].append(m["id"])
        w.owner_of_member[(app, m["id"])] = user
        if user:
            w.member_of[user] = m["id"]
        card = w.add(app, "cards", {"member": m["id"], "issued_by_store": s[store]}, owner=user)
        w.card_of[m["id"]] = card["id"]
        w.add(app, "coupons", {"member": m["id"], "discount_rate": "20"}, owner=user)
    # top-ups and consumptions: one member in both stores, so that store and owner scopes differ
    for user, store, amount in (("c_lily", "S1", "100.00"), ("c_lily", "S2", "200.00"), ("c_lucy", "S2", "300.00"),
                                (None, "S1", "400.00")):
        member = members[user]
        w.add(app, "top_ups", {"card": w.card_of[member], "amount": amount, "store": s[store]}, owner=user,
              store=store)
        w.add(app, "consumptions", {"member": member, "card": w.card_of[member], "amount": amount[:-5] + "5.50",
                                    "store": s[store]}, owner=user, store=store)      # paid from the card
    # the ledgers' entries are the rules' (opening points, top-ups, payments, points for consumption)
    owner_of_card = {card: w.owner_of_member[(app, m)] for m, card in w.card_of.items()}
    for table, owner_of in (("card_ledger", lambda e: owner_of_card[e["card"]]),
                            ("points_ledger", lambda e: w.owner_of_member[(app, e["member"])])):
        sql = w.platform.apps[app].form.sql[table]
        with w.platform.engine.connect() as conn:
            for e in conn.execute(sa.select(sql)).mappings():
                w.rows[app].setdefault(table, []).append(Row(e["id"], owner_of(e)))


def _user(e: Expect) -> str:
    return ACTOR[(e.app, e.role)]


def _visible_keys(w, e: Expect) -> set:
    return SYSTEM_KEYS | (set(w.table(e.app, e.table).fields) - e.hidden)


def _error_fields(resp) -> dict:
    return (resp.get_json() or {}).get("error", {}).get("fields") or {}


# -- the matrix itself ----------------------------------------------------------------------------------
def test_the_matrix_covers_every_role_and_table_of_the_shipped_apps(world):
    for app in APPS:
        inst = world.platform.apps[app]
        expected = {(t, r) for t in inst.form.tables for r in inst.app.roles}
        written = [(e.table, e.role) for e in EXPECTATIONS if e.app == app]
        assert sorted(written) == sorted(expected), app
        for e in (e for e in EXPECTATIONS if e.app == app):      # names in the matrix are real fields
            assert e.hidden | e.readonly <= set(inst.form.tables[e.table].fields), e.id
    assert set(ACTOR) == {(a, r) for a in APPS for r in world.platform.apps[a].app.roles}


# -- the JSON API, signed in through the /login form ---------------------------------------------------
@pytest.mark.parametrize("e", CASES)
def test_api_list_rows_and_fields(world, e):
    client, _h = world.client(_user(e))
    resp = client.get(f"/api/{e.app}/{e.table}?limit=500")
    if e.read is None:
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
        return
    assert resp.status_code == 200
    body = resp.get_json()
    expected = world.expected_ids(e, _user(e))
    assert {r["id"] for r in body["data"]} == expected and body["total"] == len(expected)
    for r in body["data"]:
        assert set(r) == _visible_keys(world, e), r["id"]
    text = resp.get_data(as_text=True)
    for rec in (world.get(e.app, e.table, r.id) for r in world.rows[e.app][e.table]):
        for name in e.hidden:           # not even the value, under another key
            if isinstance(rec.get(name), str) and len(rec[name]) >= 5:
                assert rec[name] not in text, name


@pytest.mark.parametrize("e", CASES)
def test_api_get_each_record(world, e):
    user = _user(e)
    client, _h = world.client(user)
    for row in world.rows[e.app][e.table]:
        resp = client.get(f"/api/{e.app}/{e.table}/{row.id}")
        if e.read is None:
            assert resp.status_code == 403
        elif world.admits(e.read, user, row):
            assert resp.status_code == 200 and set(resp.get_json()) == _visible_keys(world, e)
        else:
            assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found", row


@pytest.mark.parametrize("e", [c for c in CASES if c.values[0].hidden])
def test_api_hidden_fields_cannot_be_filtered_sorted_or_searched(world, e):
    client, _h = world.client(_user(e))
    admin, _ = world.client(ACTOR[(e.app, "admin")])
    for name in sorted(e.hidden):
        resp = client.get(f"/api/{e.app}/{e.table}?{name}__isnull=0")
        assert resp.status_code == 400 and f"{name}__isnull" in _error_fields(resp)
        resp = client.get(f"/api/{e.app}/{e.table}?sort={name}")
        assert resp.status_code == 400, name
        f = world.table(e.app, e.table).fields[name]
        if f.type in ("text", "region"):
            value = next(v for v in (world.get(e.app, e.table, r.id)[name] for r in world.rows[e.app][e.table]) if v)
            needle = value.split("/")[-1]
            assert admin.get(f"/api/{e.app}/{e.table}", query_string={"q": needle}).get_json()["total"] >= 1
            assert client.get(f"/api/{e.app}/{e.table}", query_string={"q": needle}).get_json()["total"] == 0, name


@pytest.mark.parametrize("e", CREATE_CASES)
def test_api_create_inside_and_outside_the_scope(world, e):
    user = _user(e)
    client, h = world.client(user)
    for inside in (True, False):
        values, meta = world.new_values(e.app, e.table, user, inside)
        before = world.count(e.app, e.table)
        resp = client.post(f"/api/{e.app}/{e.table}", json=values, headers=h)
        if world.admits(e.create, user, meta):
            assert resp.status_code == 201, (inside, resp.get_json())
            body = resp.get_json()
            world.remove(e.app, e.table, body["id"])
            assert set(body) == _visible_keys(world, e)
        elif resp.status_code == 422:      # a member's request for another member: that member is not found
            assert e.create == "own" and set(resp.get_json()["error"]["fields"]) == {"member"}, resp.get_json()
            assert world.count(e.app, e.table) == before
        else:
            assert resp.status_code == 403, (inside, resp.get_json())
            assert world.count(e.app, e.table) == before          # nothing written


@pytest.mark.parametrize("e", CASES)
def test_api_update_each_record(world, e):
    user = _user(e)
    client, h = world.client(user)
    name, new = HARMLESS[(e.app, e.table)]
    for row in world.rows[e.app][e.table]:
        old = world.get(e.app, e.table, row.id)[name]
        resp = client.patch(f"/api/{e.app}/{e.table}/{row.id}", json={name: new}, headers=h)
        if e.read is None:
            expected = 403
        elif not world.admits(e.read, user, row):
            expected = 404
        else:
            expected = 200 if world.admits(e.update, user, row) else 403
        assert resp.status_code == expected, (row, resp.get_json())
        now = world.get(e.app, e.table, row.id)[name]
        if expected == 200:
            assert now != old and resp.get_json()[name] == now
            world.records(e.app).update(e.table, row.id, {name: old}, source="test")
        else:
            assert now == old                                       # nothing written


@pytest.mark.parametrize("e", CASES)
def test_api_delete(world, e):
    user = _user(e)
    client, h = world.client(user)
    for row in world.rows[e.app][e.table]:              # the fixture's rows: only refusals are tried on them
        if e.read is not None and world.admits(e.read, user, row) and world.admits(e.delete, user, row):
            continue
        resp = client.delete(f"/api/{e.app}/{e.table}/{row.id}", headers=h)
        expected = 403 if e.read is None or world.admits(e.read, user, row) else 404
        assert resp.status_code == expected, row
        world.get(e.app, e.table, row.id)                   # still there
    if e.delete is None:
        return
    for inside in (True, False):                        # rows made for the purpose
        values, meta = world.new_values(e.app, e.table, user, inside)
        rec = world.records(e.app).create(e.table, values)
        resp = client.delete(f"/api/{e.app}/{e.table}/{rec['id']}", headers=h)
        if world.admits(e.delete, user, meta):
            assert resp.status_code == 204
            assert world.count(e.app, e.table) == len(world.rows[e.app][e.table])
            world.drop_rule_entries(e.app)
        else:
            world.remove(e.app, e.table, rec["id"])
            assert resp.status_code == (403 if world.admits(e.read, user, meta) else 404)


def _readonly_update_cases():
    for e in EXPECTATIONS:
        if e.update is None:
            continue
        fields = sorted(e.readonly | {n for n, f in _definition_fields(e.app, e.table).items() if f.get("readonly")})
        for name in fields:
            yield pytest.param(e, name, id=f"{e.id}-{name}")


def _definition_fields(app, table) -> dict:
    return _definition(app)["tables"][table]["fields"]


@functools.lru_cache(maxsize=None)
def _definition(app) -> dict:
    return yaml.safe_load(APPS[app].read_text(encoding="utf-8"))


READONLY_UPDATE_CASES = list(_readonly_update_cases())
READONLY_CREATE_CASES = [pytest.param(e, name, id=f"{e.id}-{name}") for e in EXPECTATIONS if e.create
                         for name in sorted(e.readonly)]


def _first_updatable(world, e, user) -> Row:
    return next(r for r in world.rows[e.app][e.table] if world.admits(e.read, user, r)
                and world.admits(e.update, user, r))


@pytest.mark.parametrize("e, name", READONLY_UPDATE_CASES)
def test_api_update_of_a_readonly_field_is_422_naming_it(world, e, name):
    user = _user(e)
    client, h = world.client(user)
    row = _first_updatable(world, e, user)
    rec = world.get(e.app, e.table, row.id)
    value = probe(world, e.app, e.table, name, rec)
    resp = client.patch(f"/api/{e.app}/{e.table}/{row.id}", json={name: value}, headers=h)
    assert resp.status_code == 422 and name in _error_fields(resp), resp.get_json()
    assert world.get(e.app, e.table, row.id) == rec                     # nothing written


@pytest.mark.parametrize("e, name", READONLY_CREATE_CASES)
def test_api_create_with_a_readonly_field_is_422_naming_it(world, e, name):
    user = _user(e)
    client, h = world.client(user)
    values, _meta = world.new_values(e.app, e.table, user, inside=True)
    values[name] = probe(world, e.app, e.table, name, values)
    before = world.count(e.app, e.table)
    resp = client.post(f"/api/{e.app}/{e.table}", json=values, headers=h)
    assert resp.status_code == 422 and name in _error_fields(resp), resp.get_json()
    assert world.count(e.app, e.table) == before


# -- API tokens: they carry a role, and are nobody -------------------------------------------------------
@pytest.mark.parametrize("e", CASES)
def test_token_reads_with_its_role_and_matches_no_own_or_user_rows(world, e):
    token = world.tokens[(e.app, e.role)]
    client = world.flask_app.test_client()
    resp = client.get(f"/api/{e.app}/{e.table}?limit=500", headers={"Authorization": f"Bearer {token}"})
    if e.read is None:
        assert resp.status_code == 403
        return
    expected = {r.id for r in world.rows[e.app][e.table] if world.admits(e.read, None, r)}
    assert resp.status_code == 200 and {r["id"] for r in resp.get_json()["data"]} == expected


@pytest.mark.parametrize("role", ["store_manager", "store_staff"])
def test_token_of_a_store_role_cannot_create_store_scoped_records(world, role):
    token = world.tokens[("membership-card", role)]
    client = world.flask_app.test_client()
    before = world.count("membership-card", "consumptions")
    for store in world.store_ids.values():
        values = {"member": world.member_ids["membership-card"][0], "amount": "1.00", "store": store}
        resp = client.post("/api/membership-card/consumptions", json=values,
                           headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 403
    assert world.count("membership-card", "consumptions") == before


@pytest.mark.parametrize("user", sorted(PEOPLE))
def test_a_role_in_one_app_opens_nothing_in_the_other(world, user):
    app = next(a for a in APPS if a != PEOPLE[user][0])
    client, _h = world.client(user)
    assert client.get(f"/{app}/").status_code == 403
    table = next(iter(world.platform.apps[app].form.tables))
    assert client.get(f"/api/{app}/{table}").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert f'href="/{PEOPLE[user][0]}/"' in home and f'href="/{app}/"' not in home


# -- the pages -------------------------------------------------------------------------------------------
ROLE_CASES = [pytest.param(app, role, id=f"{app}-{role}") for (app, role) in ACTOR]


@pytest.mark.parametrize("app, role", ROLE_CASES)
def test_app_home_offers_only_readable_tables_with_their_counts(world, app, role):
    user = ACTOR[(app, role)]
    client, _h = world.client(user)
    resp = client.get(f"/{app}/")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    cards = dict(re.findall(rf'class="card card-link" href="/{re.escape(app)}/(\w+)/">.*?<p class="count">([^<]*)</p>',
                            page, re.S))
    readable = {e.table: e for e in EXPECTATIONS if e.app == app and e.role == role and e.read}
    assert set(cards) == set(readable)
    for table, e in readable.items():
        assert re.search(r"\d+", cards[table]).group() == str(len(world.expected_ids(e, user))), table


def _listed_ids(page: str, app: str, table: str) -> set:
    return {int(i) for i in re.findall(rf'class="row-link" href="/{re.escape(app)}/{table}/(\d+)"', page)}


@pytest.mark.parametrize("e", CASES)
def test_list_page_rows_new_button_and_filters(world, e):
    user = _user(e)
    client, _h = world.client(user)
    resp = client.get(f"/{e.app}/{e.table}/")
    if e.read is None:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert _listed_ids(page, e.app, e.table) == world.expected_ids(e, user)
    assert (f'href="/{e.app}/{e.table}/new"' in page) == (e.create is not None)
    fields = world.table(e.app, e.table).fields
    for name in e.hidden:
        assert f'id="flt-{name}"' not in page and f">{fields[name].label.zh}<" not in page, name


@pytest.mark.parametrize("e", CASES)
def test_detail_page_of_each_record(world, e):
    user = _user(e)
    fields = world.table(e.app, e.table).fields
    for row in world.rows[e.app][e.table]:
        status, page = world.detail_page(user, f"/{e.app}/{e.table}/{row.id}")
        if e.read is None:
            assert status == 403
            continue
        if not world.admits(e.read, user, row):
            assert status == 404, row
            continue
        assert status == 200
        for name, f in fields.items():
            assert (f"<dt>{f.label.zh}</dt>" in page) == (name not in e.hidden), name
        rec = world.get(e.app, e.table, row.id)
        for name in e.hidden:           # nor in the record's history, nor anywhere else on the page
            assert f'<span class="muted">{fields[name].label.zh}:</span>' not in page, name
            if isinstance(rec.get(name), str) and len(rec[name]) >= 5:
                assert rec[name] not in page and rec[name].split("/")[-1] not in page, name
        assert (f'href="/{e.app}/{e.table}/{row.id}/delete"' in page) == world.admits(e.delete, user, row), row


@pytest.mark.parametrize("e", CASES)
def test_detail_page_offers_edit_only_where_the_record_may_be_changed(world, e):
    user = _user(e)
    for row in world.rows[e.app][e.table]:
        if e.read is None or not world.admits(e.read, user, row):
            continue
        status, page = world.detail_page(user, f"/{e.app}/{e.table}/{row.id}")
        assert status == 200
        assert (f'href="/{e.app}/{e.table}/{row.id}/edit"' in page) == world.admits(e.update, user, row), row


def _inputs(page: str) -> set:
    return set(re.findall(r'\bname="([a-z_0-9]+)"', page)) - {"csrf_token"}


def _expected_inputs(world, e, mode) -> set:
    out = set()
    for name, f in world.table(e.app, e.table).fields.items():
        if f.type in COMPUTED_TYPES or name in e.hidden or name in e.readonly:
            continue
        if mode == "edit" and f.readonly:
            continue
        out.add(name)
    return out


@pytest.mark.parametrize("e", CASES)
def test_edit_and_new_forms(world, e):
    user = _user(e)
    client, _h = world.client(user)
    fields = world.table(e.app, e.table).fields
    checked = False
    for row in world.rows[e.app][e.table]:
        resp = client.get(f"/{e.app}/{e.table}/{row.id}/edit")
        if e.read is None:
            assert resp.status_code == 403
        elif not world.admits(e.read, user, row):
            assert resp.status_code == 404, row
        elif not world.admits(e.update, user, row):
            assert resp.status_code == 403, row
        else:
            assert resp.status_code == 200, row
            if not checked:
                page = resp.get_data(as_text=True)
                form = page[page.index('class="record-form'):]
                assert _inputs(form) - {f"{n}__clear" for n in fields} == _expected_inputs(world, e, "edit")
                for name in e.hidden:
                    assert f'id="field-{name}"' not in form, name
                for name in e.readonly - e.hidden:      # shown, not editable
                    assert f'id="field-{name}"' in form, name
                checked = True
    resp = client.get(f"/{e.app}/{e.table}/new")
    if e.create is None:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert _inputs(page[page.index('class="record-form'):]) == _expected_inputs(world, e, "create")


def _form_value(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def _post_form(world, user, url, data):
    client, h = world.client(user)
    return client.post(url, data={"csrf_token": h["X-CSRFToken"], **{k: _form_value(v) for k, v in data.items()}})


@pytest.mark.parametrize("e", CREATE_CASES)
def test_new_form_posts_inside_and_outside_the_scope(world, e):
    user = _user(e)
    for inside in (True, False):
        values, meta = world.new_values(e.app, e.table, user, inside)
        before = world.count(e.app, e.table)
        resp = _post_form(world, user, f"/{e.app}/{e.table}/new", values)
        if world.admits(e.create, user, meta):
            assert resp.status_code == 303, (inside, resp.status_code)
            new_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
            world.remove(e.app, e.table, new_id)
        elif e.create == "own" and resp.status_code == 422:    # another member: not found, said at the field
            assert "会员 中没有编号为" in field_error(resp.get_data(as_text=True), "member")
            assert world.count(e.app, e.table) == before
        else:
            assert resp.status_code == 403, (inside, resp.status_code)
            assert world.count(e.app, e.table) == before


@pytest.mark.parametrize("e, name", READONLY_UPDATE_CASES)
def test_edit_form_ignores_a_smuggled_readonly_field(world, e, name):
    user = _user(e)
    row = _first_updatable(world, e, user)
    rec = world.get(e.app, e.table, row.id)
    harmless, new = HARMLESS[(e.app, e.table)]
    smuggled = probe(world, e.app, e.table, name, rec)
    resp = _post_form(world, user, f"/{e.app}/{e.table}/{row.id}/edit", {harmless: new, name: smuggled})
    try:
        assert resp.status_code == 303, resp.status_code
        after = world.get(e.app, e.table, row.id)
        assert after[harmless] != rec[harmless]         # the allowed change went through
        assert after[name] == rec[name]                  # the smuggled one did not
    finally:
        world.records(e.app).update(e.table, row.id, {harmless: rec[harmless]}, source="test")


@pytest.mark.parametrize("e", [c for c in CASES if c.values[0].read and c.values[0].read != "all"])
def test_edit_and_delete_pages_of_records_outside_the_read_scope_are_404(world, e):
    user = _user(e)
    client, _h = world.client(user)
    outside = [r for r in world.rows[e.app][e.table] if not world.admits(e.read, user, r)]
    assert outside, "the fixture has rows outside the scope"
    for row in outside:
        for suffix in ("/edit", "/delete"):
            assert client.get(f"/{e.app}/{e.table}/{row.id}{suffix}").status_code == 404
        resp = _post_form(world, user, f"/{e.app}/{e.table}/{row.id}/delete", {})
        assert resp.status_code == 404
        world.get(e.app, e.table, row.id)
