"""The demo data is a history that holds together: each row was made after the records it links to,
and the rows of different tables went in in the order they happened (a March redemption spends what
was earned by March). So `tessera simulate` over the demo year with the unchanged definition gives
back exactly what the demo wrote: nothing refused, no point or tier different."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from runtime.demo import fill_demo_data
from runtime.platform import Platform
from runtime.simulate.run import simulate
from tests.conftest import ROOT

APPS = {"loyalty": ROOT / "apps" / "loyalty.yaml", "membership-card": ROOT / "apps" / "membership-card.yaml"}


def test_demo_rows_are_made_after_the_records_they_link_to(make_platform):
    platform = make_platform(*APPS.values())
    fill_demo_data(platform, scale=0.05)
    checked = 0
    with platform.engine.connect() as conn:
        for inst in platform.apps.values():
            form = inst.form
            for tname, t in form.tables.items():
                child = form.sql[tname]
                for fname, f in t.fields.items():
                    if f.type != "link" or f.table == tname:
                        continue
                    parent = form.sql[f.table].alias("parent")
                    joined = child.join(parent, parent.c.id == child.c[fname])
                    linked, early = conn.execute(
                        sa.select(sa.func.count(), sa.func.count().filter(child.c.created_at < parent.c.created_at))
                        .select_from(joined)).one()
                    assert early == 0, f"{inst.app.name}.{tname}.{fname}: {early} of {linked} made before what they link to"
                    checked += linked
    assert checked > 1000
    # and the activity is spread over the year, not heaped at its end: a row goes to a record made by
    # its own time (a January order to a member who had signed up by January)
    half_way = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=183)
    for app, table in (("loyalty", "orders"), ("membership-card", "consumptions")):
        sql = platform.apps[app].form.sql[table]
        with platform.engine.connect() as conn:
            rows, early = conn.execute(sa.select(sa.func.count(), sa.func.count().filter(sql.c.created_at < half_way))
                                       ).one()
        assert rows > 100 and early / rows > 0.35, (table, early, rows)
    # a credit expires about a year after it was given, by a rule or by hand (a refund keeps the expiry
    # of the points it gives back), so the expiry job
    # does not take a third of the demo's points the day the server starts
    ledger = platform.apps["loyalty"].form.sql["points_ledger"]
    with platform.engine.connect() as conn:
        credits = conn.execute(sa.select(ledger.c.reason, ledger.c.occurred_at, ledger.c.expires_on)
                               .where(ledger.c.change > 0, ledger.c.expires_on.is_not(None))).all()
    assert {r.reason for r in credits} >= {"order", "share", "adjustment"}
    given = set(platform.apps["loyalty"].form.tables["points_ledger"].fields["reason"].demo) | {"order"}
    early = [r for r in credits if r.reason in given and (r.expires_on - r.occurred_at.date()).days < 364]
    assert early == []


@pytest.mark.parametrize("app", list(APPS))
def test_replaying_the_demo_year_through_the_same_definition_changes_nothing(db_url, tmp_path, app):
    live = str(APPS[app])
    platform = Platform.from_files([live], db_url, media_dir=str(tmp_path / "media"))
    try:
        fill_demo_data(platform, scale=0.05)
    finally:
        platform.dispose()
    today = dt.datetime.now(dt.timezone.utc).date()
    report = simulate(db_url, [live], app, live, today - dt.timedelta(days=370), today + dt.timedelta(days=1),
                      media_dir=str(tmp_path / "media"))
    events = report["events"]
    assert events["write"] > 300 and events["refused"] == 0, events["refused_events"][:5]
    totals = report["totals"]
    assert totals["actual"]["issued"] == totals["simulated"]["issued"] and float(totals["actual"]["issued"]) > 0
    assert totals["actual"]["spent"] == totals["simulated"]["spent"] and float(totals["actual"]["spent"]) > 0
    assert float(totals["change"]["outstanding"]) == 0
    assert report["largest_differences"] == [] and report["tier_changes"]["count"] == 0
    assert report["failed_rules"]["simulated"] == []
    if app == "membership-card":        # its first ledger holds the cards' stored value: owed as it stands
        assert report["ledger"] == "card_ledger" and report["point_value"] == "1"
        assert Decimal(totals["actual"]["liability"]) == Decimal(totals["actual"]["outstanding"]) > 0
    else:
        assert report["ledger"] == "points_ledger" and report["point_value"] == "0.01"
        assert Decimal(totals["actual"]["liability"]) == Decimal(totals["actual"]["outstanding"]) / 100
