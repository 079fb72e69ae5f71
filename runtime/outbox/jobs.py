"""The outbox's scheduled job: deliver what is due (retries, and rows no in-process worker woke for)."""
from __future__ import annotations

import datetime as dt

from engines.common.scheduling import Interval, Job
from runtime.outbox.dispatch import Dispatcher

EVERY = dt.timedelta(seconds=30)


def scheduler_jobs(platform) -> list[Job]:
    return [Job("outbox.deliver", Interval(EVERY), deliver, "deliver due outbox messages (notifications, webhooks)",
                grace=EVERY)]


def deliver(platform, fire_time: dt.datetime) -> str:
    # a provider that is down is not a failure of the job: its messages are marked failed and shown
    # on the Messages page; the job fails only when the database does
    return Dispatcher(platform).deliver_due().line()
