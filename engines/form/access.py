"""What one person may do in one app: the single place permissions are decided.

The record service asks it before every write and read of a record, the query layer adds its row
condition to every list and count, and everything that shows records (pages, JSON, exports, charts)
drops the fields it hides. Rules, flows and the scheduler write as the system (`access=None`).

A person with several roles gets the union: an action is allowed when any role allows it, rows
visible to any role are visible, and a field is hidden (or read-only) only if every role that can
read (or write) the table hides it (or makes it read-only).
"""
from __future__ import annotations

import operator
from types import SimpleNamespace

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.errors import RecordError
from engines.form.model import ACTIONS, FULL_GRANT
from engines.form.reading import decode_row
from engines.form.row_filter import USER_ATTRS, path_condition


class Forbidden(RecordError):
    status = 403
    code = "forbidden"


def forbidden(action: str, label) -> Forbidden:
    words = {"read": ("see", "查看"), "create": ("add records to", "新建"), "update": ("change records of", "修改"),
             "delete": ("delete records of", "删除")}[action]
    return Forbidden(msg(f"you may not {words[0]} '{label.en}'", f"你没有权限{words[1]}{label.zh}"))


class Access:
    def __init__(self, form, *, roles=frozenset(), user_id=None, username=None, unrestricted=False):
        self.form, self.roles, self.user_id, self.username = form, frozenset(roles), user_id, username
        self.unrestricted = unrestricted
        self._profile = None
        self._hidden: dict = {}

    @classmethod
    def system(cls, form) -> "Access":
        return cls(form, unrestricted=True)

    # -- decisions ---------------------------------------------------------------------------
    def grants(self, table: str) -> list:
        t = self.form.tables[table]
        if self.unrestricted or t.permissions is None:
            return [FULL_GRANT] if (self.unrestricted or self.roles) else []
        return [t.permissions[r] for r in sorted(self.roles) if r in t.permissions]

    def allows(self, table: str, action: str) -> bool:
        return any(g.rule(action) is not None for g in self.grants(table))

    def require(self, table: str, action: str) -> None:
        if not self.allows(table, action):
            raise forbidden(action, self.form.tables[table].label)

    def rows(self, table: str, action: str = "read"):
        """The SQL condition on `table`'s rows for `action`: None for every row, false() for none."""
        rules = [g.rule(action) for g in self.grants(table) if g.rule(action) is not None]
        if not rules:
            return sa.false()
        if any(r.kind == "all" for r in rules):
            return None
        conds = [self._rule_condition(table, r) for r in rules]
        return conds[0] if len(conds) == 1 else sa.or_(*conds)

    def _rule_condition(self, table, rule):
        if rule.kind == "own":
            owner = self.form.tables[table].owner
            if not owner or self.user_id is None:
                return sa.false()
            return path_condition(self.form, table, owner, operator.eq, self.user_id)
        return rule.filter.condition(self.form, self.user())

    def hidden(self, table: str) -> frozenset:
        """Fields this person never sees in `table`, including lookups and rollups that would
        reveal a hidden field or a table they may not read."""
        if table not in self._hidden:
            self._hidden[table] = self._compute_hidden(table)
        return self._hidden[table]

    def _compute_hidden(self, table):
        hidden = set(self._declared_hidden(table))
        for name, f in self.form.tables[table].fields.items():
            if f.type == "lookup":
                source = self.form.tables[table].fields[f.settings["link"]].table
                if self._reveals(source, f.settings["field"]):
                    hidden.add(name)
            elif f.type == "rollup" and self._reveals(f.table, f.settings.get("field")):
                hidden.add(name)
        return frozenset(hidden)

    def _declared_hidden(self, table) -> frozenset:
        readers = [g for g in self.grants(table) if g.read is not None]
        if not readers:
            return frozenset(self.form.tables[table].fields)
        return frozenset.intersection(*[g.hidden for g in readers])

    def _reveals(self, table, field) -> bool:
        """Would showing a value computed from `table`.`field` reveal what this person may not read?
        A value computed from another computed field is kept back unless nothing is restricted."""
        if field is None:                    # a count: reveals only how many rows there are
            return not self.allows(table, "read")
        if field in self._declared_hidden(table):
            return True
        source = self.form.tables[table].fields.get(field)
        return source is not None and source.type in ("lookup", "rollup") and not self.unrestricted

    def readonly(self, table: str, action: str) -> frozenset:
        """Fields this person may not set when they `action` ("create"/"update") a record."""
        writers = [g for g in self.grants(table) if g.rule(action) is not None]
        if not writers:
            return frozenset(self.form.tables[table].fields)
        locked = frozenset.intersection(*[g.readonly | g.hidden for g in writers])
        return locked | self.hidden(table)

    def redact(self, table: str, record: dict) -> dict:
        hidden = self.hidden(table)
        return {k: v for k, v in record.items() if k not in hidden} if hidden else record

    def can_see_titles(self, table: str) -> bool:
        """Whether links to `table` may show their target's title, not only its number."""
        return self.allows(table, "read") and self.form.tables[table].title_field not in self.hidden(table)

    def actions(self, table: str) -> dict:
        return {a: self.allows(table, a) for a in ACTIONS}

    # -- the user as filters see it ------------------------------------------------------------
    def user(self) -> SimpleNamespace:
        """`user.<field>`: id, username and the fields of the user's profile record (loaded once)."""
        if self._profile is None:
            values = {"id": self.user_id, "username": self.username}
            profile = self.form.user_profile
            if profile and self.user_id is not None:
                values.update({n: None for n in self.form.tables[profile].fields})
                values.update(self._profile_values(profile))
            self._profile = SimpleNamespace(**values)
        return self._profile

    def _profile_values(self, profile) -> dict:
        t = self.form.tables[profile]
        sql = self.form.sql[profile]
        col = sql.c[t.owner[0]]
        with self.form.engine.connect() as conn:
            row = conn.execute(sa.select(sql).where(col == self.user_id).order_by(sql.c.id).limit(1)).mappings().first()
        if row is None:
            return {}
        return {n: v for n, v in decode_row(self.form, t, row).items() if n in t.fields and n not in USER_ATTRS}
