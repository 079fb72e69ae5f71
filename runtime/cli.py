"""The `tessera` command."""
from __future__ import annotations

import json
import logging
import sys

import click

from builder import BuildFailed, compile_files
from builder.reference import REFERENCE_FILE, render as render_reference
from builder.schema import SCHEMA_FILE, build_schema
from runtime.appfiles import default_apps
from runtime.auth.commands import token, users
from runtime.backup.commands import backup, restore
from runtime.lifecycle import LifecycleError
from runtime.ledger_command import ledger
from runtime.lifecycle_commands import install, migrate, uninstall, upgrade
from runtime.scheduler.command import scheduler
from runtime.simulate.command import simulate
from runtime.transfer_commands import export, import_
from runtime.outbox.commands import outbox


@click.group()
def main():
    """Tessera: YAML definitions become tables, pages and a JSON API."""


main.add_command(users)
main.add_command(token)
main.add_command(backup)
main.add_command(restore)
main.add_command(scheduler)   # runtime/scheduler
main.add_command(ledger)      # runtime/ledger_command.py
main.add_command(outbox)      # runtime/outbox
main.add_command(import_)     # runtime/transfer_commands.py
main.add_command(export)
main.add_command(simulate)    # runtime/simulate
for command in (install, upgrade, uninstall, migrate):   # runtime/lifecycle_commands.py
    main.add_command(command)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files):
    """Check definition files; print every error as file:line:col; exit 1 if any."""
    try:
        apps = compile_files(files)
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} error(s)", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug of ours must still not greet the user with a traceback
        click.echo(f"internal error while compiling ({type(exc).__name__}: {exc}); "
                   "please report it with the definition that caused it", err=True)
        sys.exit(2)
    for app in apps:
        click.echo(f"ok: {app.source}: app '{app.name}', {len(app.tables)} tables")


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
              show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
@click.option("--host", envvar="TESSERA_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="TESSERA_PORT", default=5000, show_default=True, type=int)
@click.option("--media", envvar="TESSERA_MEDIA_DIR", default="var/media", show_default=True)
@click.option("--demo", is_flag=True, help="fill empty tables with demo data")
@click.option("--no-scheduler", is_flag=True,
              help="do not run scheduled jobs here (a separate `tessera scheduler` process runs them)")
@click.option("--debug", is_flag=True)
def run(files, database_url, host, port, media, demo, no_scheduler, debug):
    """Create what is missing in the database and serve the apps (default: apps/*.yaml)."""
    from runtime.platform import Platform
    from runtime.webapp import create_app

    files = list(files) or default_apps()
    try:
        platform = Platform.from_files(files, database_url, media)
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(1)
    except LifecycleError as exc:     # a definition that would remove or convert data
        for line in exc.lines:
            click.echo(line, err=True)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for note in platform.skipped:
        click.echo(f"note: {note}")
    if demo:
        from runtime.demo import fill_demo_data
        click.echo("demo data: filling the empty tables (a minute or two the first time)")
        fill_demo_data(platform, progress=lambda app, table, rows: click.echo(f"demo data: {app}.{table}: {rows:,} records"))
    from runtime.auth import ensure_admin
    admin, password = ensure_admin(platform)
    app = create_app(platform)
    from runtime.outbox.worker import start_worker
    start_worker(platform)   # notifications go out soon after the write that made them
    from runtime.reload import log_reloads
    log_reloads([logging.StreamHandler()])   # "app 'x' reloaded" / why a changed definition was refused
    url = f"http://{host}:{port}/"
    click.echo(f"Tessera is running at {url}  (apps: {', '.join(platform.apps)}; database: {database_url})")
    if password:
        click.echo(f"First run: created the administrator. Sign in at {url}login with\n"
                   f"    username: {admin}\n    password: {password}\n"
                   f"(shown this once; `tessera users passwd {admin}` sets a new one)")
    else:
        click.echo(f"Sign in at {url}login (administrator: '{admin}'; `tessera users passwd {admin}` resets "
                   "a forgotten password).")
    click.echo(f"Open {url} in a browser; the JSON API is at {url}api/<app>/<table>. Press Ctrl+C to stop.")
    scheduler = None
    if not no_scheduler:      # one machine, one process: scheduled rules and housekeeping run here too
        from runtime.scheduler import process
        from runtime.scheduler.registry import collect_jobs
        scheduler = process.start(platform, collect_jobs(platform))
    try:
        app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)


@main.command()
@click.option("--check", is_flag=True, help="exit 1 if the shipped schema file is out of date")
def schema(check):
    """Write the definition JSON Schema (builder/schema/app.schema.json) from the engines' parts."""
    text = json.dumps(build_schema(), ensure_ascii=False, indent=1) + "\n"
    if check:
        same = SCHEMA_FILE.read_text(encoding="utf-8") == text
        click.echo("schema is up to date" if same else "schema is out of date: run `tessera schema`")
        sys.exit(0 if same else 1)
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    click.echo(f"wrote {SCHEMA_FILE}")


@main.command()
@click.option("--check", is_flag=True, help="exit 1 if docs/reference.md is out of date")
def reference(check):
    """Write docs/reference.md (the definition language's reference) from the JSON Schema."""
    text = render_reference()
    if check:
        same = REFERENCE_FILE.exists() and REFERENCE_FILE.read_text(encoding="utf-8") == text
        click.echo("reference is up to date" if same else "reference is out of date: run `tessera reference`")
        sys.exit(0 if same else 1)
    REFERENCE_FILE.write_text(text, encoding="utf-8")
    click.echo(f"wrote {REFERENCE_FILE}")


if __name__ == "__main__":
    main()
