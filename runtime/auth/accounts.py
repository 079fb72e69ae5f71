"""Users with hashed passwords, an admin flag and an active flag; roles granted per user per app.

Every function takes the Platform first (its engine, its system tables and its installed apps, whose
definitions say which roles exist). Mistakes a person can make raise AccountError with one clear line.
"""
from __future__ import annotations

import datetime as dt
import secrets
from contextlib import nullcontext
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from runtime.database import write_transaction

MIN_PASSWORD_LENGTH = 8
HASH_METHOD = "scrypt"
# checked against when the username is unknown, so that a wrong name costs as long as a wrong password
_DUMMY_HASH = generate_password_hash("tessera-no-such-user", method=HASH_METHOD)


class AccountError(Exception):
    """A refused account operation; str(exc) is one line meant for the person who asked."""


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a signed-in user, or an API token (id None, token set)."""
    id: int | None
    username: str
    display_name: str | None = None
    is_admin: bool = False
    roles: Mapping[str, frozenset] = field(default_factory=lambda: MappingProxyType({}))
    token: str | None = None
    language: str | None = None     # the saved UI language; None follows the browser
    password_stamp: str | None = None   # when the password was last set: sessions from before it end

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def can_open(self, app: str) -> bool:
        return self.is_admin or bool(self.roles.get(app))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def hash_password(password: str) -> str:
    check_password_rules(password)
    return generate_password_hash(password, method=HASH_METHOD)


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")


def _joined(platform, conn):
    """The caller's transaction, or a new write transaction."""
    return nullcontext(conn) if conn is not None else write_transaction(platform.engine)


def _tables(platform):
    return platform.system["users"], platform.auth["accounts"], platform.auth["user_roles"]


def _user_row(platform, conn, username: str):
    users, accounts, _ = _tables(platform)
    q = (sa.select(users.c.id, users.c.username, users.c.display_name, accounts.c.password_hash,
                   accounts.c.is_admin, accounts.c.is_active)
         .select_from(users.outerjoin(accounts, accounts.c.user_id == users.c.id))
         .where(users.c.username == username))
    return conn.execute(q).first()


def _user_id(platform, conn, username: str) -> int:
    row = _user_row(platform, conn, username)
    if row is None:
        raise AccountError(f"no user '{username}'")
    return row.id


def create_user(platform, username: str, password: str, *, is_admin: bool = False,
                display_name: str | None = None, conn=None) -> int:
    """Create a user who can sign in; return the new id. `conn`: a transaction to join (self-registration
    creates the user and their member record together)."""
    username = (username or "").strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("a username is 1 to 100 characters without spaces")
    pw_hash = hash_password(password)
    users, accounts, _ = _tables(platform)
    now = utcnow()
    with _joined(platform, conn) as conn:
        row = _user_row(platform, conn, username)
        if row is not None and row.password_hash is not None:
            raise AccountError(f"user '{username}' already exists")
        if row is None:
            user_id = conn.execute(users.insert().values(username=username, display_name=display_name,
                                                         created_at=now)).inserted_primary_key[0]
        else:   # a user known to the platform (e.g. from an import) who could not sign in yet
            user_id = row.id
        conn.execute(accounts.insert().values(user_id=user_id, password_hash=pw_hash, is_admin=is_admin,
                                              is_active=True, password_changed_at=now))
    return user_id


def user_exists(platform, username: str) -> bool:
    """Whether `username` is taken by someone who can sign in."""
    with platform.engine.connect() as conn:
        row = _user_row(platform, conn, (username or "").strip())
    return row is not None and row.password_hash is not None


def set_password(platform, username: str, password: str) -> None:
    pw_hash = hash_password(password)
    _users, accounts, _ = _tables(platform)
    with write_transaction(platform.engine) as conn:
        user_id = _user_id(platform, conn, username)
        done = conn.execute(accounts.update().where(accounts.c.user_id == user_id)
                            .values(password_hash=pw_hash, password_changed_at=utcnow())).rowcount
        if not done:
            conn.execute(accounts.insert().values(user_id=user_id, password_hash=pw_hash, is_admin=False,
                                                  is_active=True, password_changed_at=utcnow()))


def set_active(platform, username: str, active: bool) -> None:
    _users, accounts, _ = _tables(platform)
    with write_transaction(platform.engine) as conn:
        user_id = _user_id(platform, conn, username)
        conn.execute(accounts.update().where(accounts.c.user_id == user_id).values(is_active=active))


def check_role(platform, app: str, role: str) -> None:
    """Refuse an app that is not installed or a role its definition does not declare."""
    if app not in platform.apps:
        known = ", ".join(platform.apps) or "none"
        raise AccountError(f"unknown app '{app}' (installed apps: {known})")
    roles = platform.apps[app].app.roles
    if role not in roles:
        if not roles:
            raise AccountError(f"app '{app}' declares no roles; add `roles: [...]` to its definition")
        raise AccountError(f"'{role}' is not a role of app '{app}'; its roles are: {', '.join(roles)}")


def grant(platform, username: str, app: str, role: str, conn=None) -> None:
    check_role(platform, app, role)
    _users, _accounts, user_roles = _tables(platform)
    with _joined(platform, conn) as conn:
        user_id = _user_id(platform, conn, username)
        held = conn.execute(sa.select(user_roles.c.role).where(
            user_roles.c.user_id == user_id, user_roles.c.app == app, user_roles.c.role == role)).first()
        if held is None:
            conn.execute(user_roles.insert().values(user_id=user_id, app=app, role=role))


def revoke(platform, username: str, app: str, role: str) -> None:
    _users, _accounts, user_roles = _tables(platform)
    with write_transaction(platform.engine) as conn:
        user_id = _user_id(platform, conn, username)
        gone = conn.execute(user_roles.delete().where(
            user_roles.c.user_id == user_id, user_roles.c.app == app, user_roles.c.role == role)).rowcount
    if not gone:
        raise AccountError(f"user '{username}' does not hold role '{role}' in app '{app}'")


def roles_of(platform, user, app: str) -> set[str]:
    """The roles `user` (an id or a username) holds in `app`."""
    _users, _accounts, user_roles = _tables(platform)
    with platform.engine.connect() as conn:
        user_id = user if isinstance(user, int) else _user_id(platform, conn, user)
        return set(conn.execute(sa.select(user_roles.c.role).where(
            user_roles.c.user_id == user_id, user_roles.c.app == app)).scalars())


def authenticate(platform, username: str, password: str) -> Principal | None:
    """The active user with this username and password, else None."""
    with platform.engine.connect() as conn:
        row = _user_row(platform, conn, (username or "").strip())
    if row is None or row.password_hash is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(row.password_hash, password or "") or not row.is_active:
        return None
    return load_principal(platform, row.id)


def load_principal(platform, user_id: int) -> Principal | None:
    """The active user `user_id` with their roles, or None (unknown, disabled, no password)."""
    users, accounts, user_roles = _tables(platform)
    with platform.engine.connect() as conn:
        row = conn.execute(sa.select(users.c.id, users.c.username, users.c.display_name, accounts.c.is_admin,
                                     accounts.c.language, accounts.c.password_changed_at)
                           .select_from(users.join(accounts, accounts.c.user_id == users.c.id))
                           .where(users.c.id == user_id, accounts.c.is_active.is_(True))).first()
        if row is None:
            return None
        roles: dict[str, set] = {}
        for app, role in conn.execute(sa.select(user_roles.c.app, user_roles.c.role)
                                      .where(user_roles.c.user_id == user_id)):
            roles.setdefault(app, set()).add(role)
    return Principal(id=row.id, username=row.username, display_name=row.display_name, is_admin=bool(row.is_admin),
                     roles=MappingProxyType({k: frozenset(v) for k, v in roles.items()}), language=row.language,
                     password_stamp=str(row.password_changed_at))


def list_users(platform) -> list[dict]:
    users, accounts, user_roles = _tables(platform)
    with platform.engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.display_name, accounts.c.is_admin,
                                      accounts.c.is_active)
                            .select_from(users.join(accounts, accounts.c.user_id == users.c.id))
                            .order_by(users.c.username)).all()
        grants = conn.execute(sa.select(user_roles.c.user_id, user_roles.c.app, user_roles.c.role)
                              .order_by(user_roles.c.app, user_roles.c.role)).all()
    out = []
    for r in rows:
        out.append({"id": r.id, "username": r.username, "display_name": r.display_name,
                    "is_admin": bool(r.is_admin), "is_active": bool(r.is_active),
                    "roles": [f"{g.app}:{g.role}" for g in grants if g.user_id == r.id]})
    return out


def ensure_admin(platform, username: str = "admin") -> tuple[str, str | None]:
    """Make sure an active admin exists. Returns (an admin's username, the new password or None)."""
    users, accounts, _ = _tables(platform)
    with platform.engine.connect() as conn:
        existing = conn.execute(sa.select(users.c.username)
                                .select_from(users.join(accounts, accounts.c.user_id == users.c.id))
                                .where(accounts.c.is_admin.is_(True), accounts.c.is_active.is_(True))
                                .order_by(users.c.id)).first()
        if existing is not None:
            return existing.username, None
        row = _user_row(platform, conn, username)
    password = secrets.token_urlsafe(12)
    if row is None or row.password_hash is None:
        create_user(platform, username, password, is_admin=True)
    else:   # an `admin` that was disabled or demoted: restore it with a new password
        set_password(platform, username, password)
        with write_transaction(platform.engine) as conn:
            conn.execute(accounts.update().where(accounts.c.user_id == row.id).values(is_admin=True, is_active=True))
    return username, password
