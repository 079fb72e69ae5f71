"""`tessera backup APP` and `tessera restore FILE`. Every refusal is one line on stderr and exit status 1."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys

import click
import sqlalchemy as sa

from builder import BuildFailed, compile_files
from runtime.backup.archive import BackupError
from runtime.database import shown_url

_DB = click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
                   show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
_MEDIA = click.option("--media", envvar="TESSERA_MEDIA_DIR", default="var/media", show_default=True,
                      help="the folder of uploaded files")


@click.command()
@click.argument("app_name", metavar="APP")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="the backup file to write (default: APP-YYYYMMDD-HHMMSS.zip in this folder, UTC)")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(),
              help="the app's definition file (default: the file it was installed from)")
@_DB
@_MEDIA
def backup(app_name, output, files, database_url, media):
    """Write one file with an app's definition, records, counters, audit log and uploaded files."""
    from runtime.backup.dump import backup_app
    from runtime.platform import Platform

    with _clear_errors(database_url):
        url = sa.engine.make_url(database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
                and not os.path.isfile(url.database):     # do not leave an empty database file behind
            raise BackupError(f"no database file {url.database}")
        platform = Platform(database_url, media)
        try:
            paths = list(files) or [_installed_source(platform, app_name)]
            for app in compile_files(paths):
                platform.add(app)
            if app_name not in platform.apps:
                raise BackupError(f"no app '{app_name}' in {', '.join(paths)}")
            output = output or f"{app_name}-{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}.zip"
            manifest = backup_app(platform, app_name, output)
        finally:
            platform.dispose()
    click.echo(f"wrote {output}: app '{app_name}' version {manifest['version']}; {_counts(manifest)}")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@_DB
@_MEDIA
@click.option("--to", "to_dir", default="apps", show_default=True, type=click.Path(file_okay=False),
              help="the folder the definition files are written to")
@click.option("--replace", is_flag=True,
              help="empty the app's tables first, and overwrite its definition and media files that differ")
def restore(file, database_url, media, to_dir, replace):
    """Restore an app from a backup: its definition, tables, records (with their ids) and uploaded files.

    Refused when the database already holds data of the app, or a file would be overwritten, unless --replace."""
    from runtime.backup.load import restore_backup

    with _clear_errors(database_url):
        done = restore_backup(file, database_url, media, to_dir, replace)
    m = done.manifest
    click.echo(f"restored app '{m['app']}' version {m['version']} (backed up {m['created_at']}) "
               f"into {shown_url(database_url)}; {_counts(m)}")
    click.echo(f"definition: {done.definition}; {len(done.written)} file(s) written")
    if m["rows"].get("audit") and not done.audit_added:
        click.echo(f"audit log: the database already had entries of app '{m['app']}'; they are kept, "
                   "the backup's were not added")
    if done.created_users:
        click.echo(f"users created without a password (`tessera users passwd NAME` lets them sign in): "
                   f"{', '.join(done.created_users)}")


def _installed_source(platform, app_name: str) -> str:
    """The definition file the app was installed from, as tessera_apps recorded it."""
    apps = platform.system["apps"]
    if not sa.inspect(platform.engine).has_table(apps.name):
        raise BackupError("no app is installed in this database")
    with platform.engine.connect() as conn:
        source = conn.execute(sa.select(apps.c.source).where(apps.c.name == app_name)).scalar()
        installed = conn.execute(sa.select(apps.c.name).order_by(apps.c.name)).scalars().all()
    if source is None:
        raise BackupError(f"no app '{app_name}' is installed in this database "
                          f"(installed: {', '.join(installed) or 'none'})")
    if not os.path.isfile(source):
        raise BackupError(f"app '{app_name}' was installed from {source}, which is not there; "
                          "name its definition with -f FILE")
    return source


def _counts(manifest) -> str:
    rows = manifest["rows"]
    tables = ", ".join(f"{k} {v}" for k, v in rows.items() if k not in ("sequences", "audit"))
    return (f"rows: {tables or 'no tables'}; {rows.get('audit', 0)} audit entries; "
            f"{manifest.get('media_files', 0)} media file(s)")


@contextlib.contextmanager
def _clear_errors(database_url):
    try:
        yield
    except BackupError as exc:
        _fail(f"error: {exc}")
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(1)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"error: database {shown_url(database_url)}: {reason}")
    except OSError as exc:
        _fail(f"error: {exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
    except Exception as exc:    # a bug of ours must still not greet the user with a traceback
        click.echo(f"internal error ({type(exc).__name__}: {exc}); please report it", err=True)
        sys.exit(2)


def _fail(message: str):
    click.echo(message, err=True)
    sys.exit(1)
