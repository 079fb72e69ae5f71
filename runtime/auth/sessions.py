"""Signing a person in to a browser session."""
from __future__ import annotations

from flask import session


def start_session(user) -> None:
    """Sign `user` (a Principal) in: a fresh session (and CSRF token), stamped with when their password
    was set, so that changing it signs out every other session."""
    session.clear()
    session["uid"] = user.id
    session["pw"] = user.password_stamp
    session.permanent = True
