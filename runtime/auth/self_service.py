"""What signed-in users change about their own account: their UI language and their password."""
from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from engines.common.labels import LANGUAGES
from runtime.auth.accounts import AccountError, hash_password, utcnow
from runtime.database import write_transaction


def set_language(platform, user_id: int, lang: str | None) -> None:
    """Save "zh" or "en" as the user's language; None (or "") to follow the browser again."""
    if lang and lang not in LANGUAGES:
        raise AccountError(f"unknown language '{lang}' (known: {', '.join(LANGUAGES)})")
    accounts = platform.auth["accounts"]
    with write_transaction(platform.engine) as conn:
        conn.execute(accounts.update().where(accounts.c.user_id == user_id).values(language=lang or None))


def change_password(platform, user_id: int, current: str, new: str) -> bool:
    """Set a new password if `current` is the user's password now; False (nothing changed) if it is not.
    A new password that breaks the rules raises AccountError."""
    accounts = platform.auth["accounts"]
    with platform.engine.connect() as conn:
        stored = conn.execute(sa.select(accounts.c.password_hash).where(accounts.c.user_id == user_id)).scalar()
    if stored is None or not check_password_hash(stored, current or ""):
        return False
    new_hash = hash_password(new)
    with write_transaction(platform.engine) as conn:
        conn.execute(accounts.update().where(accounts.c.user_id == user_id)
                     .values(password_hash=new_hash, password_changed_at=utcnow()))
    return True
