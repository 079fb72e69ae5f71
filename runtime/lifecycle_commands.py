"""`tessera install | upgrade | uninstall | migrate`: an app's life in one database (runtime/lifecycle).

Lines: `+` added, `~` applied on its own (renames, index changes), `!` removes or converts data. A
refusal is printed with what it would have changed, then one `error:` line; exit status 1.
"""
from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

import click
import sqlalchemy as sa

from builder import BuildFailed, compile_app, compile_files
from runtime import lifecycle
from runtime.appfiles import default_apps
from runtime.database import shown_url
from runtime.upgrade import Plan

_DB = click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
                   show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
_PLAN = click.option("--plan", is_flag=True, help="only print what would change")
_DESTRUCTIVE = click.option("--allow-destructive", is_flag=True,
                            help="also apply removals and type changes (their data is removed or converted)")


def _definition_command(fn):
    """FILE, --db, --plan and --allow-destructive: the options of install and upgrade."""
    for option in (_DESTRUCTIVE, _PLAN, _DB, click.argument("file", type=click.Path()), click.command()):
        fn = option(fn)
    return fn


@_definition_command
def install(file, database_url, plan, allow_destructive):
    """Install an app: create its tables and note it as installed.

    An app uninstalled earlier comes back onto the tables and records it kept."""
    done = _carry_out(lifecycle.install, file, database_url, plan, allow_destructive)
    if done:
        click.echo(f"installed app '{done.app}' version {done.version}")


@_definition_command
def upgrade(file, database_url, plan, allow_destructive):
    """Upgrade an installed app to a changed definition.

    New tables, fields and indexes are added, and fields or tables with a `renamed_from:` hint renamed,
    keeping their data. Removals and type changes are refused unless --allow-destructive is given."""
    done = _carry_out(lifecycle.upgrade, file, database_url, plan, allow_destructive)
    if done:
        click.echo(f"upgraded app '{done.app}' to version {done.version}" if done.plan.steps
                   else f"app '{done.app}' is up to date (version {done.version})")


@dataclass
class _Done:
    app: str
    version: str
    plan: Plan


def _carry_out(action, file, database_url, plan, allow_destructive) -> _Done | None:
    """Install or upgrade (`action`) from `file`, or only print the plan (returns None then)."""
    with _platform(database_url, prepare=not plan) as platform:
        inst = platform.add(compile_app(file))
        if plan:
            _show(lifecycle.plan(platform, inst), allow_destructive, planned=True)
            return None
        result = action(platform, inst, allow_destructive)
    _show(result, allow_destructive)
    return _Done(inst.app.name, inst.app.version, result)


@click.command()
@click.argument("name", metavar="APP")
@_DB
@click.option("--purge", is_flag=True, help="also delete the app's tables and all their records")
@click.option("--yes", is_flag=True, help="do not ask before --purge deletes data")
def uninstall(name, database_url, purge, yes):
    """Stop serving an app; its tables and records are kept unless --purge.

    A running server stops serving it within a second; `tessera install FILE` brings it back."""
    if purge and not yes:
        click.confirm(f"Delete the tables of app '{name}' and every record in them?", abort=True, err=True)
    with _platform(database_url) as platform:
        dropped = lifecycle.uninstall(platform, name, purge)
    if purge:
        click.echo(f"purged app '{name}': dropped {len(dropped)} table(s){': ' if dropped else ''}{', '.join(dropped)}")
    else:
        click.echo(f"uninstalled app '{name}': it is no longer served; its tables and records are kept "
                   f"(`tessera install FILE` brings it back, `tessera uninstall {name} --purge` deletes them)")


@click.command()
@click.argument("files", nargs=-1, type=click.Path())
@_DB
@_PLAN
def migrate(files, database_url, plan):
    """Install or upgrade the apps of the definitions (default: apps/*.yaml) as far as it is safe,
    as every server start does: additions and hinted renames. Removals and type changes are
    listed with '!'; they take `tessera upgrade FILE --allow-destructive`."""
    changed = touched = 0
    with _platform(database_url, prepare=not plan) as platform:
        for app in compile_files(list(files) or default_apps()):
            platform.add(app)
        for inst in platform.apps.values():
            try:
                result = lifecycle.plan(platform, inst) if plan else lifecycle.sync(platform, inst)
            except lifecycle.NotInstalled as exc:
                click.echo(f"note: {exc}")
                continue
            _show(result, False)
            touched += len(result.steps)
            changed += sum(s.kind in ("add", "safe") for s in result.steps)
    if not touched:
        click.echo("the database matches the definitions")
    elif not plan and changed:
        click.echo(f"applied {changed} change(s)")


def _show(result, allow_destructive: bool, planned: bool = False) -> None:
    for line in result.lines(allow_destructive):
        click.echo(line)
    if planned:
        click.echo("(plan only: nothing was changed)" if result.steps else f"app '{result.app}': nothing to change")


@contextlib.contextmanager
def _platform(database_url: str, prepare: bool = True):
    """A platform on `database_url` (its system tables made ready unless only planning); every
    refusal is one clear line."""
    from runtime.platform import Platform
    platform = None
    try:
        platform = Platform(database_url)
        if prepare:
            platform.prepare_system()
        yield platform
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        _fail(f"{len(exc.errors)} error(s) in the definition; nothing was changed")
    except lifecycle.LifecycleError as exc:
        for line in exc.lines:
            click.echo(line, err=True)
        _fail(f"error: {exc}")
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"error: database {shown_url(database_url)}: {reason}")
    except OSError as exc:
        _fail(f"error: {exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
    finally:
        if platform is not None:
            platform.dispose()


def _fail(message: str):
    click.echo(message, err=True)
    sys.exit(1)
