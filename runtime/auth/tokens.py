"""API tokens: a random secret shown once, stored as its sha256, bound to one app and one role."""
from __future__ import annotations

import hashlib
import secrets
from types import MappingProxyType

import sqlalchemy as sa

from runtime.auth.accounts import AccountError, Principal, check_role, utcnow
from runtime.database import write_transaction

PREFIX = "tsr_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(platform, name: str, app: str, role: str) -> str:
    """Create a token and return its secret (the only time it exists in clear)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("a token name is 1 to 100 characters")
    check_role(platform, app, role)
    tokens = platform.auth["tokens"]
    secret = PREFIX + secrets.token_urlsafe(32)
    with write_transaction(platform.engine) as conn:
        if conn.execute(sa.select(tokens.c.id).where(tokens.c.name == name)).first() is not None:
            raise AccountError(f"a token named '{name}' already exists (revoke it or choose another name)")
        conn.execute(tokens.insert().values(name=name, token_hash=_digest(secret), app=app, role=role,
                                            created_at=utcnow()))
    return secret


def revoke_token(platform, name: str) -> None:
    tokens = platform.auth["tokens"]
    with write_transaction(platform.engine) as conn:
        done = conn.execute(tokens.update().where(tokens.c.name == name, tokens.c.revoked_at.is_(None))
                            .values(revoked_at=utcnow())).rowcount
    if not done:
        raise AccountError(f"no active token named '{name}'")


def list_tokens(platform) -> list[dict]:
    tokens = platform.auth["tokens"]
    with platform.engine.connect() as conn:
        rows = conn.execute(sa.select(tokens.c.name, tokens.c.app, tokens.c.role, tokens.c.created_at,
                                      tokens.c.last_used_at, tokens.c.revoked_at).order_by(tokens.c.name)).all()
    return [dict(r._mapping) for r in rows]


def principal_for_token(platform, secret: str) -> Principal | None:
    """The principal a live token stands for (and note its use), or None."""
    tokens = platform.auth["tokens"]
    with write_transaction(platform.engine) as conn:
        row = conn.execute(sa.select(tokens.c.id, tokens.c.name, tokens.c.app, tokens.c.role, tokens.c.last_used_at)
                           .where(tokens.c.token_hash == _digest(secret), tokens.c.revoked_at.is_(None))).first()
        if row is None:
            return None
        now = utcnow()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() >= 60:   # not a write per call
            conn.execute(tokens.update().where(tokens.c.id == row.id).values(last_used_at=now))
    return Principal(id=None, username=f"token:{row.name}", token=row.name,
                     roles=MappingProxyType({row.app: frozenset([row.role])}))
