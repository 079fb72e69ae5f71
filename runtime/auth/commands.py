"""`tessera users ...` and `tessera token ...`: manage who can sign in and who may call the API.

Each command opens the platform's database (--db, like `tessera run`) with the app definitions
(-f/--file, default apps/*.yaml) so that roles can be checked against them. Mistakes are one line
on stderr and exit status 1, never a traceback.
"""
from __future__ import annotations

import functools
import sys

import click
import sqlalchemy as sa

from builder import BuildFailed
from runtime.appfiles import default_apps
from runtime.auth import accounts, tokens
from runtime.lifecycle import LifecycleError


def _platform_options(fn):
    @click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
                  show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
    @click.option("-f", "--file", "files", multiple=True, type=click.Path(),
                  help="app definition file (repeatable; default: apps/*.yaml)")
    @functools.wraps(fn)
    def wrapper(database_url, files, **kw):
        from runtime.platform import Platform
        platform = None
        try:
            platform = Platform.from_files(list(files) or default_apps(), database_url)
            fn(platform, **kw)
        except BuildFailed as exc:
            for err in exc.errors:
                click.echo(str(err), err=True)
            sys.exit(1)
        except accounts.AccountError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except LifecycleError as exc:   # the definitions would remove or convert data (runtime/lifecycle)
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except sa.exc.SQLAlchemyError as exc:
            click.echo(f"error: database {database_url}: {str(exc.orig if hasattr(exc, 'orig') else exc).strip().splitlines()[0]}",
                       err=True)
            sys.exit(1)
        finally:
            if platform is not None:
                platform.dispose()
    return wrapper


def _read_password(password: str | None) -> str:
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    accounts.check_password_rules(password)
    return password


@click.group()
def users():
    """Users who sign in to the pages, and their roles per app."""


@users.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="may open every app")
@click.option("--password", help="the password (asked for, hidden, when left out)")
@click.option("--name", "display_name", help="the name shown in the pages")
@_platform_options
def users_add(platform, username, admin, password, display_name):
    """Create a user who can sign in."""
    accounts.create_user(platform, username, _read_password(password), is_admin=admin, display_name=display_name)
    click.echo(f"created {'admin ' if admin else ''}user '{username}'")


@users.command("passwd")
@click.argument("username")
@click.option("--password", help="the new password (asked for, hidden, when left out)")
@_platform_options
def users_passwd(platform, username, password):
    """Set a user's password."""
    accounts.set_password(platform, username, _read_password(password))
    click.echo(f"password of '{username}' changed")


@users.command("grant")
@click.argument("username")
@click.argument("app")
@click.argument("role")
@_platform_options
def users_grant(platform, username, app, role):
    """Give USERNAME the role ROLE in APP (one of the roles its definition declares)."""
    accounts.grant(platform, username, app, role)
    click.echo(f"'{username}' now holds role '{role}' in app '{app}'")


@users.command("revoke")
@click.argument("username")
@click.argument("app")
@click.argument("role")
@_platform_options
def users_revoke(platform, username, app, role):
    """Take the role ROLE in APP away from USERNAME."""
    accounts.revoke(platform, username, app, role)
    click.echo(f"'{username}' no longer holds role '{role}' in app '{app}'")


@users.command("list")
@_platform_options
def users_list(platform):
    """List users, their flags and roles."""
    for u in accounts.list_users(platform):
        flags = ", ".join(f for f, on in (("admin", u["is_admin"]), ("disabled", not u["is_active"])) if on)
        click.echo(f"{u['username']}{f' ({flags})' if flags else ''}: {' '.join(u['roles']) or '-'}")


@click.group()
def token():
    """API tokens (Authorization: Bearer ...), each bound to one app and one role."""


@token.command("create")
@click.argument("name")
@click.option("--app", required=True, help="the app the token may call")
@click.option("--role", required=True, help="one of the app's roles")
@_platform_options
def token_create(platform, name, app, role):
    """Create a token and print it; it is shown this once only."""
    secret = tokens.create_token(platform, name, app, role)
    click.echo(secret)
    click.echo(f"token '{name}' for app '{app}' as '{role}': copy it now, it is not shown again "
               "(send it as `Authorization: Bearer <token>`)", err=True)


@token.command("revoke")
@click.argument("name")
@_platform_options
def token_revoke(platform, name):
    """Revoke a token: it stops working at once."""
    tokens.revoke_token(platform, name)
    click.echo(f"token '{name}' revoked")


@token.command("list")
@_platform_options
def token_list(platform):
    """List tokens (never their secrets)."""
    for t in tokens.list_tokens(platform):
        state = f"revoked {t['revoked_at']:%Y-%m-%d %H:%M}" if t["revoked_at"] else "active"
        used = f"{t['last_used_at']:%Y-%m-%d %H:%M}" if t["last_used_at"] else "never"
        click.echo(f"{t['name']}: app {t['app']}, role {t['role']}, {state}, last used {used} (UTC)")
