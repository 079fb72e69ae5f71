"""`tessera outbox`: deliver the outbox from the command line, and look at it.

    tessera outbox deliver [--once] [--db URL]   deliver due messages until SIGTERM / Ctrl+C (or one pass)
    tessera outbox list [--app A] [--channel C] [--status S] [--limit N]

Delivery needs no app definitions (messages carry their final text), so neither command takes FILES.
"""
from __future__ import annotations

import signal
import sys
import threading

import click

DB_OPTION = click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
                         show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")


@click.group()
def outbox():
    """Notifications and webhooks waiting to be delivered, delivered, or given up."""


@outbox.command()
@DB_OPTION
@click.option("--once", is_flag=True, help="deliver what is due now, then exit (status 1 if any failed)")
@click.option("--every", default=30.0, show_default=True, type=float, help="seconds between passes")
def deliver(database_url, once, every):
    """Deliver due messages (new ones, and retries whose time has come)."""
    from runtime.outbox.dispatch import Dispatcher

    platform = _platform(database_url)
    try:
        dispatcher = Dispatcher(platform)
        if once:
            done = dispatcher.deliver_due()
            click.echo(done.line())
            sys.exit(1 if done.failed or done.dead else 0)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"delivering the outbox every {every:g} s; stop with SIGTERM or Ctrl+C")
        while not stop.is_set():
            done = dispatcher.deliver_due()
            if done.sent or done.failed or done.dead:
                click.echo(done.line())
            stop.wait(every)
    finally:
        platform.dispose()


@outbox.command("list")
@DB_OPTION
@click.option("--app", default="")
@click.option("--channel", default="")
@click.option("--status", default="", help="pending, sending, sent, failed or dead")
@click.option("--limit", default=50, show_default=True, type=int)
def list_messages(database_url, app, channel, status, limit):
    """The newest messages: id, status, attempts, channel, recipient, subject, last error."""
    from runtime.outbox import queries

    platform = _platform(database_url)
    try:
        for r in queries.search(platform, app=app, channel=channel, status=status, limit=limit):
            error = f"  [{r.last_error}]" if r.last_error else ""
            click.echo(f"{r.id}\t{r.status}\t{r.attempts}\t{r.app}\t{r.channel}\t{r.recipient}\t"
                       f"{r.subject or r.body[:60]}{error}")
    finally:
        platform.dispose()


def _platform(database_url):
    import sqlalchemy as sa

    from runtime.database import shown_url
    from runtime.platform import Platform

    platform = Platform(database_url)
    try:
        platform.prepare_system()   # a database from before the outbox gains its table
    except sa.exc.SQLAlchemyError as exc:
        platform.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        click.echo(f"error: database {shown_url(database_url)}: {reason}", err=True)
        sys.exit(1)
    return platform
