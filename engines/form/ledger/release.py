"""Pending entries whose time has come are taken into their balance (run every few minutes by a job).
An account's due entries are released together, oldest first, in one unit of work: a pending credit
and its pending reversal go in together, and no spend can come between them."""
from __future__ import annotations

import datetime as dt
from itertools import groupby

import sqlalchemy as sa

from engines.form.ledger.expiry import reached
from engines.form.ledger.post import release
from engines.form.records import RecordService


def release_due(form, now: dt.datetime) -> int:
    """Release the pending entries due at `now` (aware) in every ledger of one app; returns how many.
    A date `available` counts from its first moment in the app's time zone. Rerunning finds none."""
    done = 0
    for t in form.tables.values():
        led = t.ledger
        if led is None or led.available is None:
            continue
        sql = form.sql[t.name]
        due = reached(form, t, led.available, now, through_the_day=False)
        with form.engine.connect() as conn:
            rows = conn.execute(sa.select(sql.c[led.account], sql.c.id).where(sql.c.ledger_pending.is_(True), due)
                                .order_by(sql.c[led.account], sql.c.id)).all()
        for _account, entries in groupby(rows, key=lambda r: r[0]):
            with RecordService(form).unit_of_work(source="scheduler") as w:
                done += sum(release(w, t.name, entry_id) for _a, entry_id in entries)
    return done
