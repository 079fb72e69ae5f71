"""`tessera ledger check`: every ledger balance equals the sum of its entries and the lots add up."""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from builder import BuildFailed
from engines.form.ledger.check import check_ledgers
from runtime.appfiles import default_apps


@click.group()
def ledger():
    """Ledgers: append-only entries and the balances they add up to."""


@ledger.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
              show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
@click.option("--app", "app_name", help="check only this app")
def check(files, database_url, app_name):
    """Verify balances against entries and lots (read only); list every discrepancy, exit 1 if any."""
    from runtime.platform import Platform

    try:
        platform = Platform.from_files(list(files) or default_apps(), database_url, create=False)
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(2)
    try:
        if app_name is not None and app_name not in platform.apps:
            click.echo(f"error: no app '{app_name}' (apps: {', '.join(platform.apps)})", err=True)
            sys.exit(2)
        problems, ledgers = [], 0
        for name, inst in platform.apps.items():
            if app_name in (None, name):
                ledgers += sum(t.ledger is not None for t in inst.form.tables.values())
                problems += check_ledgers(inst.form)
    except sa.exc.DBAPIError as exc:
        click.echo(f"error: cannot read the ledgers ({exc.orig}); is the app installed and up to date?", err=True)
        sys.exit(2)
    finally:
        platform.dispose()
    for line in problems:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} discrepancy(ies) found", err=True)
        sys.exit(1)
    click.echo(f"ok: {ledgers} ledger(s) balance")
