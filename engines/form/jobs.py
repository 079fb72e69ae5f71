"""The form engine's scheduled jobs, one per app that needs them: the daily expiry of ledger lots, and
the release of pending ledger entries every five minutes."""
from __future__ import annotations

import datetime as dt
from functools import partial

from engines.common.scheduling import Cron, Interval, Job
from engines.form.ledger.expiry import expire_due
from engines.form.ledger.release import release_due


def scheduler_jobs(platform) -> list[Job]:
    jobs = []
    for name, inst in platform.apps.items():
        if any(t.ledger is not None and t.ledger.expires for t in inst.form.tables.values()):
            # five past midnight in the app's zone: a lot valid through yesterday expires now
            jobs.append(Job(f"form.ledger_expiry.{name}", Cron("5 0 * * *", inst.app.timezone),
                            partial(expire_app, name), f"expire the lots of app '{name}' past their date",
                            grace=dt.timedelta(days=1)))
        if any(t.ledger is not None and t.ledger.available for t in inst.form.tables.values()):
            jobs.append(Job(f"form.ledger_release.{name}", Interval(dt.timedelta(minutes=5)),
                            partial(release_app, name), f"release the pending ledger entries of app '{name}'",
                            grace=dt.timedelta(days=30)))
    return jobs


def release_app(app_name, platform, fire_time: dt.datetime) -> int:
    inst = platform.apps.get(app_name)
    return 0 if inst is None else release_due(inst.form, fire_time)


def expire_app(app_name, platform, fire_time: dt.datetime) -> int:
    inst = platform.apps.get(app_name)
    return 0 if inst is None else expire_due(inst.form, fire_time)
