"""Simulation of the other triggering events: a button pressed through the API, an external event
(replayed from the event journal), and the scheduled expiry of lots (replayed from its firings)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from engines.common import clock
from runtime.auth import create_user, grant
from runtime.platform import Platform
from runtime.scheduler.registry import collect_jobs
from runtime.scheduler.runner import Runner
from runtime.simulate.run import simulate
from runtime.webapp import create_app
from tests.conftest import csrf_from, sign_in

APP = """
app: club
timezone: Asia/Shanghai
roles: [member, staff]
tables:
  members:
    title_field: name
    permissions: {member: [read], staff: [read]}
    fields:
      name: {type: text, required: true}
      points: {type: integer, default: 0, readonly: true}
  points_ledger:
    ledger: {account: member, amount: change, balance: points, expires: expires_on, expiry_entry: {reason: expiry}}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      reason: {type: select, required: true, options: [check_in, sale, expiry]}
      expires_on: {type: date}
rules:
  check_in:
    when: {action: check_in, table: members, roles: [member]}
    do:
      - post: {ledger: points_ledger, account: =record.id, amount: 10, expires: "=add_days(today(), 30)",
               values: {reason: check_in}}
  pos_sale:
    when: {event: pos_sale, roles: [staff]}
    do:
      - post: {ledger: points_ledger, account: =event.member, amount: "=floor(decimal(event.amount) * 1)",
               values: {reason: sale}}
"""


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(dt.timezone.utc)


def signed_in(platform, username, password, page):
    """A test client of the platform's web app signed in as `username`, and its CSRF header (from `page`)."""
    app = create_app(platform)
    app.config["TESTING"] = True
    client = app.test_client()
    sign_in(client, username, password)
    return client, {"X-CSRFToken": csrf_from(client.get(page).get_data(as_text=True))}


def test_presses_events_and_expiry_firings_are_replayed(db_url, tmp_path):
    live = tmp_path / "live.yaml"
    live.write_text(APP, encoding="utf-8")
    platform = Platform.from_files([str(live)], db_url)
    inst = platform.apps["club"]
    create_user(platform, "mia", "mia-password-1")
    grant(platform, "mia", "club", "member")
    create_user(platform, "sam", "sam-password-1")
    grant(platform, "sam", "club", "staff")
    with clock.fixed_at(at("2026-06-01")):
        member = inst.records.create("members", {"name": "Mia"})["id"]
    (mia, mia_csrf), (sam, sam_csrf) = (signed_in(platform, name, f"{name}-password-1", "/club/members/")
                                        for name in ("mia", "sam"))
    csrf = {mia: mia_csrf, sam: sam_csrf}
    for day in ("2026-07-01", "2026-07-02"):          # two check-ins, expiring on the 31st of July and 1st August
        with clock.fixed_at(at(day)):
            assert mia.post(f"/api/club/members/{member}/actions/check_in", headers=csrf[mia]).status_code == 200
    with clock.fixed_at(at("2026-07-05")):
        sale = sam.post("/api/club/events/pos_sale", json={"member": member, "amount": "88.60"},
                        headers={**csrf[sam], "Idempotency-Key": "sale-1"})
        assert sale.status_code == 201
    expiry = collect_jobs(platform)["form.ledger_expiry.club"]
    for fired in (at("2026-08-01", 0) + dt.timedelta(minutes=5), at("2026-08-02", 0) + dt.timedelta(minutes=5)):
        with clock.fixed_at(fired):
            assert Runner(platform).fire(expiry, fired).status == "ok"
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(inst.form.sql["members"].c.points)).scalar_one() == 88   # 20 + 88 - 20
    platform.dispose()

    new = tmp_path / "new.yaml"
    new.write_text(APP.replace("amount: 10,", "amount: 25,").replace("decimal(event.amount) * 1", "decimal(event.amount) * 2"),
                   encoding="utf-8")
    report = simulate(db_url, [str(live)], "club", str(new), dt.date(2026, 7, 1), dt.date(2026, 8, 31),
                      point_value=Decimal("0.01"))
    assert report["events"]["press"] == 2 and report["events"]["event"] == 1 and report["events"]["firing"] == 2
    assert report["totals"]["actual"] == {"issued": 108, "spent": 0, "expired": 20, "outstanding": 88,
                                          "liability": "0.88"}
    assert report["totals"]["simulated"] == {"issued": 50 + 177, "spent": 0, "expired": 50, "outstanding": 177,
                                             "liability": "1.77"}
    days = {d["key"]: d for d in report["days"]}
    assert days["2026-08-01"]["simulated"]["expired"] == 25 and days["2026-08-02"]["simulated"]["expired"] == 25


CARDS = """
app: cardclub
timezone: Asia/Shanghai
roles: [staff]
tables:
  members:
    title_field: name
    permissions: {staff: [read]}
    fields:
      name: {type: text, required: true}
      points: {type: integer, default: 0, readonly: true}
  cards:
    title_field: card_no
    permissions: {staff: [read]}
    fields:
      card_no: {type: auto_number, pattern: "8{YY}{00000000}"}
      member: {type: link, table: members, required: true}
  points_ledger:
    ledger: {account: member, amount: change, balance: points}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      reason: {type: select, required: true, options: [sale]}
rules:
  pos_sale:
    when: {event: pos_sale, roles: [staff]}
    do:
      - fail: {en: No card with this number, zh: 找不到这张会员卡}
        if: not exists('cards', card_no=event.card_no)
      - post: {ledger: points_ledger, account: "=lookup('cards', card_no=event.card_no).member",
               amount: "=floor(decimal(event.amount) * 1)", values: {reason: sale}}
"""


def test_a_card_opened_in_the_period_keeps_its_number_in_the_replay(db_url, tmp_path):
    """M10 in a simulation: a till reports a sale by the number of a card opened in the period. The
    replay opens the card again under the same number (the counters are rewound with the records,
    past a card opened and closed before the period), so the sale finds it."""
    live = tmp_path / "live.yaml"
    live.write_text(CARDS, encoding="utf-8")
    platform = Platform.from_files([str(live)], db_url)
    records = platform.apps["cardclub"].records
    create_user(platform, "sam", "sam-password-1")
    grant(platform, "sam", "cardclub", "staff")
    with clock.fixed_at(at("2026-06-01")):
        member = records.create("members", {"name": "Mia"})["id"]
        first = records.create("cards", {"member": member})
        closed = records.create("cards", {"member": member})
        records.delete("cards", closed["id"])
    with clock.fixed_at(at("2026-07-03")):
        opened = records.create("cards", {"member": member}, source="page")
    assert (first["card_no"], closed["card_no"], opened["card_no"]) == ("82600000001", "82600000002", "82600000003")
    sam, csrf = signed_in(platform, "sam", "sam-password-1", "/cardclub/members/")
    with clock.fixed_at(at("2026-07-05")):
        sale = sam.post("/api/cardclub/events/pos_sale", json={"card_no": opened["card_no"], "amount": "120.50"},
                        headers={**csrf, "Idempotency-Key": "sale-1"})
        assert sale.status_code == 201, sale.get_data(as_text=True)
    platform.dispose()

    report = simulate(db_url, [str(live)], "cardclub", str(live), dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    assert report["events"]["write"] == 1 and report["events"]["event"] == 1
    assert report["events"]["refused"] == 0, report["events"]["refused_events"]
    assert report["totals"]["actual"]["issued"] == report["totals"]["simulated"]["issued"] == 120
