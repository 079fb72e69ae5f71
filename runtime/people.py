"""The platform's people as the flow engine sees them (form.extensions["people"]): who holds a role in
an app, users by name, and how to show them. Read in the caller's connection, so a task's assignees
are resolved in the transaction that creates it."""
from __future__ import annotations

import sqlalchemy as sa


class People:
    def __init__(self, platform):
        self.users = platform.system["users"]
        self.accounts = platform.auth["accounts"]
        self.user_roles = platform.auth["user_roles"]

    def _active(self):
        u, a = self.users, self.accounts
        return u.join(a, a.c.user_id == u.c.id), a.c.is_active.is_(True)

    def holding(self, conn, app: str, roles) -> list[int]:
        """Active users holding any of `roles` in `app`, by id."""
        if not roles:
            return []
        joined, active = self._active()
        r = self.user_roles
        q = (sa.select(self.users.c.id).distinct().select_from(joined.join(r, r.c.user_id == self.users.c.id))
             .where(active, r.c.app == app, r.c.role.in_(list(roles))).order_by(self.users.c.id))
        return list(conn.execute(q).scalars())

    def ids(self, conn, usernames) -> dict[str, int]:
        """Active users among `usernames`, name -> id (an unknown or disabled one is left out)."""
        if not usernames:
            return {}
        joined, active = self._active()
        q = sa.select(self.users.c.username, self.users.c.id).select_from(joined).where(
            active, self.users.c.username.in_(list(usernames)))
        return {name: uid for name, uid in conn.execute(q)}

    def names(self, conn, ids) -> dict[int, str]:
        """id -> how to show the user (display name, else username)."""
        ids = [i for i in set(ids) if i is not None]
        if not ids:
            return {}
        u = self.users
        rows = conn.execute(sa.select(u.c.id, u.c.username, u.c.display_name).where(u.c.id.in_(ids)))
        return {r.id: r.display_name or r.username for r in rows}

    def logins(self, conn, ids) -> dict[int, str]:
        """id -> username: the recipient of a flow's messages on the log channel."""
        ids = [i for i in set(ids) if i is not None]
        if not ids:
            return {}
        u = self.users
        return dict(conn.execute(sa.select(u.c.id, u.c.username).where(u.c.id.in_(ids))).all())

    def roles(self, conn, app: str, user_id: int) -> frozenset:
        r = self.user_roles
        return frozenset(conn.execute(sa.select(r.c.role).where(r.c.app == app, r.c.user_id == user_id)).scalars())

    def is_admin(self, conn, user_id: int) -> bool:
        a = self.accounts
        return bool(conn.execute(sa.select(a.c.is_admin).where(a.c.user_id == user_id)).scalar())
