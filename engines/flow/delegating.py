"""Delegation: a user's tasks in one app are also the delegate's for a period (holidays, a sick
leave). Not passed on: a delegate's own delegation does not carry the tasks further."""
from __future__ import annotations

import datetime as dt

from engines.common.labels import msg
from engines.flow import store
from engines.form.errors import NotFound, ValidationFailed

LONGEST = dt.timedelta(days=366)


class DelegationError(ValidationFailed):
    """A refused delegation; `fields` says which input is at fault."""


def delegate(rt, from_user: int, to_username: str, starts, ends) -> int:
    """`starts`/`ends`: naive UTC datetimes, or the text that could not be read as one."""
    errors = {}
    for key, value in (("starts", starts), ("ends", ends)):
        if isinstance(value, str):
            errors[key] = msg("not a date and time", "不是有效的日期时间")
    starts = starts if isinstance(starts, dt.datetime) else store.utcnow()
    if ends is None:
        errors["ends"] = msg("say until when", "请填写结束时间")
    elif isinstance(ends, dt.datetime):
        if ends <= starts:
            errors["ends"] = msg("the end must come after the start", "结束时间须晚于开始时间")
        elif ends - starts > LONGEST:
            errors["ends"] = msg("a delegation lasts a year at most", "委托最长一年")
    with rt.form.write_engine.begin() as conn:
        to_user = rt.people.ids(conn, [(to_username or "").strip()]).get((to_username or "").strip())
        if to_user is None:
            errors["to"] = msg("no active user of this name", "没有这个用户名的有效用户")
        elif to_user == from_user:
            errors["to"] = msg("delegate to someone else", "请委托给其他人")
        if errors:
            raise DelegationError(errors)
        return conn.execute(rt.t["delegations"].insert().values(
            app=rt.form.name, from_user=from_user, to_user=to_user, starts_at=starts, ends_at=ends,
            created_at=store.utcnow())).inserted_primary_key[0]


def revoke(rt, user_id: int, delegation_id: int) -> None:
    g = rt.t["delegations"]
    with rt.form.write_engine.begin() as conn:
        done = conn.execute(g.update().where(g.c.id == delegation_id, g.c.app == rt.form.name,
                                             g.c.from_user == user_id, g.c.revoked_at.is_(None))
                            .values(revoked_at=store.utcnow()))
    if done.rowcount != 1:
        raise NotFound(msg("no such delegation of yours", "没有你的这项委托"))


def parse_local(text, timezone):
    """A datetime-local input read in the app's time zone, as naive UTC; None when empty; the text
    itself when it is not a date and time (delegate() reports it)."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return str(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone)
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
