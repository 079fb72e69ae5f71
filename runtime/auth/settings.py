"""Platform settings kept in the database, so that every worker and every restart sees the same."""
from __future__ import annotations

import secrets

import sqlalchemy as sa

from runtime.database import write_transaction


def get_or_create(platform, key: str, make) -> str:
    """The stored value of `key`; the first caller stores make() (a concurrent first caller's value wins)."""
    settings = platform.auth["settings"]
    query = sa.select(settings.c.value).where(settings.c.key == key)
    with platform.engine.connect() as conn:
        value = conn.execute(query).scalar()
    if value is not None:
        return value
    try:
        with write_transaction(platform.engine) as conn:
            conn.execute(settings.insert().values(key=key, value=make()))
    except sa.exc.IntegrityError:
        pass    # another worker stored it first
    with platform.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def secret_key(platform) -> str:
    return get_or_create(platform, "secret_key", lambda: secrets.token_hex(32))
