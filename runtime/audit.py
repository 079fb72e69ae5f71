"""The audit log: every write from every source, in the transaction of the write itself.

Built in the way a third party would add it: a subscriber on every app's record events
(Datasette's habit of implementing its own behaviour through its public hooks).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import sqlalchemy as sa

from engines.common import clock
from engines.form.model import SYSTEM_COLUMNS

ACTIONS = {"created": "create", "updated": "update", "deleted": "delete", "created_many": "import"}
_NEAREST_IMPORTS = 5   # chunk entries whose first id is at or below a record's: one of them holds it


def define_audit_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "tessera_audit", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("tbl", sa.String(63), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("actor", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),  # JSON {field: [before, after]}
        sa.Index("ix_tessera_audit__record", "app", "tbl", "record_id", "id"),
        sa.Index("ix_tessera_audit__at", "at"),
    )


class AuditLog:
    def __init__(self, table: sa.Table, users: sa.Table):
        self.table, self.users = table, users

    def _select(self):
        a, u = self.table, self.users
        return sa.select(a, u.c.username.label("actor_name")).select_from(
            a.outerjoin(u, u.c.id == a.c.actor))

    def subscribe(self, form) -> None:
        """Record every write of this app (registered before any rule, so it sees them all)."""
        form.subscribers.add(self._record)

    def _record(self, event, writer) -> None:
        if not writer.unit.audited:
            return
        if event.kind == "created_many":
            self._record_many(event, writer)
            return
        old, new = event.old or {}, event.new or {}
        if event.kind == "updated":
            names = sorted(event.changed)
        else:
            names = [k for k in (new or old) if k not in SYSTEM_COLUMNS and (new or old).get(k) is not None]
        changes = {k: [_plain(old.get(k)), _plain(new.get(k))] for k in names}
        # buffered by the writer and inserted with the unit of work's other audit rows before its commit
        writer.defer_insert(self.table, dict(
            at=_utcnow(), app=event.app, tbl=event.table, record_id=event.id, action=ACTIONS[event.kind],
            actor=event.actor, source=event.source, changes=json.dumps(changes, ensure_ascii=False)))

    def _record_many(self, event, writer) -> None:
        """A bulk insert (an import's chunk) is one entry: its ids as ranges, so a million imported
        records cost a thousand entries, and a record's history still finds its own."""
        changes = {"records": id_ranges(event.ids), **event.note}
        writer.defer_insert(self.table, dict(
            at=event.at or _utcnow(), app=event.app, tbl=event.table, record_id=event.ids[0], action="import",
            actor=event.actor, source=event.source, changes=json.dumps(changes, ensure_ascii=False)))

    # -- reading ------------------------------------------------------------------------------
    def history(self, conn, app: str, table: str, record_id: int, limit: int = 100) -> list[dict]:
        a = self.table
        rows = conn.execute(self._select().where(a.c.app == app, a.c.tbl == table, a.c.record_id == record_id)
                            .order_by(a.c.id.desc()).limit(limit)).mappings()
        found = [_entry(r) for r in rows if r["action"] != "import"]
        # the bulk entry that holds this record starts at or below its id (ix_tessera_audit__record)
        nearest = conn.execute(self._select().where(
            a.c.app == app, a.c.tbl == table, a.c.action == "import", a.c.record_id <= record_id)
            .order_by(a.c.record_id.desc()).limit(_NEAREST_IMPORTS)).mappings()
        for r in nearest:
            e = _entry(r)
            if any(lo <= record_id <= hi for lo, hi in e["changes"].get("records", ())):
                found.append({**e, "changes": {}})
        # by time: a chunk's entry is written after the opening balances its records got (its `at` is theirs)
        found.sort(key=lambda e: (e["at"], e["id"]), reverse=True)
        return found[:limit]

    def search(self, conn, *, app=None, table=None, actor=None, source=None, text=None,
               before_id=None, limit: int = 50) -> list[dict]:
        """Newest first; `before_id` pages back (keyset)."""
        a = self.table
        stmt = self._select()
        for col, value in ((a.c.app, app), (a.c.tbl, table), (a.c.actor, actor), (a.c.source, source)):
            if value not in (None, ""):
                stmt = stmt.where(col == value)
        if text:
            stmt = stmt.where(a.c.changes.contains(text, autoescape=True))
        if before_id:
            stmt = stmt.where(a.c.id < before_id)
        return [_entry(r) for r in conn.execute(stmt.order_by(a.c.id.desc()).limit(limit)).mappings()]


def id_ranges(ids) -> list[list[int]]:
    """Ascending ids as [first, last] runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    out: list[list[int]] = []
    for i in ids:
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _entry(row) -> dict:
    entry = dict(row)
    entry["at"] = row["at"].replace(tzinfo=dt.timezone.utc)
    entry["changes"] = json.loads(row["changes"])
    return entry


def _plain(value):
    """JSON-safe and exact: money stays a decimal string, times ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _utcnow():
    return clock.utcnow_naive()
