"""The expiry of lots: an entry for each lot past its date with something left (run daily by a job)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engines.form.ledger.post import expire_lot
from engines.form.records import RecordService


def reached(form, t, field: str, now: dt.datetime, through_the_day: bool):
    """SQL: the date or datetime `field` of `t` has come at `now` (aware). A datetime by that moment;
    a date from its first moment in the app's time zone, or, `through_the_day`, once that day is over
    (an expiry date is valid through it)."""
    col = form.sql[t.name].c[field]
    if t.fields[field].type != "date":
        return col <= now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    today = now.astimezone(form.timezone).date()
    return col < today if through_the_day else col <= today


def expire_due(form, now: dt.datetime) -> int:
    """Write the expiry entries due at `now` (aware) for every ledger of one app; returns how many.
    A date `expires` is valid through that day in the app's time zone; a datetime until that moment.
    Each lot expires in a unit of work of its own, keyed `expire:<lot>`: a rerun or a second scheduler
    finds it done."""
    done = 0
    for t in form.tables.values():
        led = t.ledger
        if led is None or led.expires is None:
            continue
        sql = form.sql[t.name]
        due = reached(form, t, led.expires, now, through_the_day=True)
        with form.engine.connect() as conn:
            lots = conn.execute(sa.select(sql.c.id).where(sql.c.ledger_remaining > 0, due)
                                .order_by(sql.c.id)).scalars().all()
        for lot_id in lots:
            with RecordService(form).unit_of_work(source="scheduler") as w:
                done += expire_lot(w, t.name, lot_id) is not None
    return done
