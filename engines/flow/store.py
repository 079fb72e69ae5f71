"""Reading and writing the flow tables (engines/flow/tables.py), always in the caller's connection:
a flow moves in the unit of work of the write or decision that moved it."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from engines.common import clock
from engines.common.labels import msg
from engines.form.errors import Conflict


def utcnow() -> dt.datetime:
    return clock.utcnow_naive()        # the platform's clock: a simulation's replay sets it


def running(conn, t, app: str, table: str, record_id: int, flow: str | None = None) -> list:
    i = t["instances"]
    q = sa.select(i).where(i.c.app == app, i.c.tbl == table, i.c.record_id == record_id, i.c.status == "running")
    if flow is not None:
        q = q.where(i.c.flow == flow)
    return conn.execute(q.order_by(i.c.id)).mappings().all()


def instance(conn, t, instance_id: int, lock: bool = False):
    i = t["instances"]
    q = sa.select(i).where(i.c.id == instance_id)
    if lock and conn.dialect.name == "postgresql":     # SQLite: the unit of work holds the write lock already
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    return None if row is None else dict(row)


def insert_instance(conn, t, *, app, flow, table, record_id, actor) -> dict:
    row = dict(app=app, flow=flow.name, tbl=table, record_id=record_id, status="running",
               fingerprint=flow.fingerprint, source=flow.source, state=json.dumps({"at": [], "joins": {}}),
               started_at=utcnow(), started_by=actor, version=0)
    row["id"] = conn.execute(t["instances"].insert().values(**row)).inserted_primary_key[0]
    return row


def save_state(conn, t, inst: dict, state: dict, **values) -> None:
    """Write where the instance stands; refused when another unit of work moved it meanwhile."""
    i = t["instances"]
    done = conn.execute(i.update().where(i.c.id == inst["id"], i.c.version == inst["version"])
                        .values(state=json.dumps(state), version=inst["version"] + 1, **values))
    if done.rowcount != 1:
        raise Conflict(msg("the flow moved on while you were deciding: reload the page and try again",
                           "流程已被他人推进，请刷新页面后重试"))
    inst.update(values, state=json.dumps(state), version=inst["version"] + 1)


def insert_task(conn, t, **row) -> int:
    return conn.execute(t["tasks"].insert().values(
        status="open", created_at=utcnow(), version=0, escalated=False,
        **{k: json.dumps(v) if k in ("roles", "users", "required") else v for k, v in row.items()})
    ).inserted_primary_key[0]


def task(conn, t, task_id: int, lock: bool = False):
    q = sa.select(t["tasks"]).where(t["tasks"].c.id == task_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    return None if row is None else decoded(row)


def decoded(row) -> dict:
    out = dict(row)
    for k in ("roles", "users", "required"):
        out[k] = json.loads(out[k] or "[]")
    return out


def claim(conn, t, task_row: dict, **values) -> None:
    """Take the task from the version it was read at: of two people deciding at the same moment,
    one wins and the other is told."""
    tk = t["tasks"]
    done = conn.execute(tk.update().where(tk.c.id == task_row["id"], tk.c.version == task_row["version"],
                                          tk.c.status == "open")
                        .values(version=task_row["version"] + 1, **values))
    if done.rowcount != 1:
        raise Conflict(msg("someone else decided this task a moment ago: it is no longer waiting for you",
                           "此待办刚刚已被他人处理，不再等待你的处理"))
    task_row["version"] += 1


def close_open_tasks(conn, t, instance_id: int, status: str = "cancelled") -> None:
    tk = t["tasks"]
    conn.execute(tk.update().where(tk.c.instance_id == instance_id, tk.c.status == "open")
                 .values(status=status, closed_at=utcnow(), version=tk.c.version + 1))


def add_decision(conn, t, *, instance_id, node, decision, user_id=None, task_id=None, comment=None,
                 on_behalf_of=None) -> None:
    conn.execute(t["decisions"].insert().values(
        instance_id=instance_id, task_id=task_id, node=node, decision=decision, user_id=user_id,
        comment=(comment or None), on_behalf_of=on_behalf_of, at=utcnow()))


def approvals(conn, t, task_id: int) -> set:
    """Whom the approvals of a task so far stand for (the delegating user when by delegation)."""
    d = t["decisions"]
    rows = conn.execute(sa.select(d.c.user_id, d.c.on_behalf_of).where(d.c.task_id == task_id,
                                                                         d.c.decision == "approve"))
    return {r.on_behalf_of or r.user_id for r in rows}


# -- delegation ----------------------------------------------------------------------------------
def delegators(conn, t, app: str, user_id: int, at: dt.datetime | None = None) -> list[int]:
    """The users whose tasks `user_id` decides for now (their delegation to them is in force)."""
    g = t["delegations"]
    at = at or utcnow()
    return list(conn.execute(sa.select(g.c.from_user).distinct().where(
        g.c.app == app, g.c.to_user == user_id, g.c.starts_at <= at, g.c.ends_at > at,
        g.c.revoked_at.is_(None))).scalars())


def delegations(conn, t, app: str, user_id: int) -> list[dict]:
    g = t["delegations"]
    return [dict(r) for r in conn.execute(sa.select(g).where(
        g.c.app == app, sa.or_(g.c.from_user == user_id, g.c.to_user == user_id), g.c.revoked_at.is_(None),
        g.c.ends_at > utcnow()).order_by(g.c.starts_at)).mappings()]


# -- what people see -----------------------------------------------------------------------------
def open_tasks(conn, t, app: str) -> list[dict]:
    tk, i = t["tasks"], t["instances"]
    q = (sa.select(tk, i.c.flow, i.c.tbl, i.c.record_id, i.c.fingerprint, i.c.source)
         .select_from(tk.join(i, i.c.id == tk.c.instance_id))
         .where(tk.c.app == app, tk.c.status == "open").order_by(tk.c.created_at, tk.c.id))
    return [decoded(r) for r in conn.execute(q).mappings()]


def due(conn, t, app: str, at: dt.datetime) -> list[int]:
    tk = t["tasks"]
    return list(conn.execute(sa.select(tk.c.id).where(tk.c.app == app, tk.c.status == "open",
                                                      tk.c.due_at.is_not(None), tk.c.due_at <= at)
                             .order_by(tk.c.due_at, tk.c.id)).scalars())


def instances_of(conn, t, app: str, table: str, record_id: int) -> list[dict]:
    i = t["instances"]
    return [dict(r) for r in conn.execute(sa.select(i).where(i.c.app == app, i.c.tbl == table,
                                                            i.c.record_id == record_id).order_by(i.c.id)).mappings()]


def decisions_of(conn, t, instance_ids) -> list[dict]:
    d = t["decisions"]
    if not instance_ids:
        return []
    return [dict(r) for r in conn.execute(sa.select(d).where(d.c.instance_id.in_(list(instance_ids)))
                                          .order_by(d.c.id)).mappings()]


def tasks_of(conn, t, instance_ids) -> list[dict]:
    tk = t["tasks"]
    if not instance_ids:
        return []
    return [decoded(r) for r in conn.execute(sa.select(tk).where(tk.c.instance_id.in_(list(instance_ids)))
                                             .order_by(tk.c.id)).mappings()]


def instances_of_flow(conn, t, app: str, flow: str, limit: int = 100) -> list[dict]:
    i = t["instances"]
    return [dict(r) for r in conn.execute(sa.select(i).where(i.c.app == app, i.c.flow == flow)
                                          .order_by(i.c.id.desc()).limit(limit)).mappings()]
