"""The flow engine's system tables: instances (one run of a flow on one record, keeping the definition
it started with), tasks (a person's step: an approval or a task), decisions (who decided what, when,
with which comment) and delegations (a user's tasks go to another for a period)."""
from __future__ import annotations

import sqlalchemy as sa

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NAMES = ("tessera_flow_instances", "tessera_flow_tasks", "tessera_flow_decisions", "tessera_flow_delegations")


def flow_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    if NAMES[0] in metadata.tables:
        return {n.removeprefix("tessera_flow_"): metadata.tables[n] for n in NAMES}
    instances = sa.Table(
        "tessera_flow_instances", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("flow", sa.String(63), nullable=False),
        sa.Column("tbl", sa.String(63), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),        # running, done, cancelled
        sa.Column("fingerprint", sa.String(64), nullable=False),   # of the definition it runs
        sa.Column("source", sa.Text(), nullable=False),            # that definition, as JSON
        sa.Column("state", sa.Text(), nullable=False),             # JSON: where it stands, joins' arrivals
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_by", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_node", sa.String(63), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, default=0),   # optimistic lock of `state`
        sa.Index("ix_tessera_flow_instances__record", "app", "tbl", "record_id", "status"),
    )
    tasks = sa.Table(
        "tessera_flow_tasks", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("instance_id", ID, sa.ForeignKey("tessera_flow_instances.id"), nullable=False),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("node", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),          # approval, task
        sa.Column("status", sa.String(10), nullable=False),        # open, done, cancelled
        sa.Column("roles", sa.Text(), nullable=False),             # JSON list: anyone holding one may decide
        sa.Column("users", sa.Text(), nullable=False),             # JSON list of user ids named directly
        sa.Column("mode", sa.String(5), nullable=False),           # any, all
        sa.Column("required", sa.Text(), nullable=False),          # JSON list: who must approve (all-of)
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False, default=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, default=0),   # two deciders: one wins
        sa.Index("ix_tessera_flow_tasks__open", "app", "status", "due_at"),
        sa.Index("ix_tessera_flow_tasks__instance", "instance_id"),
    )
    decisions = sa.Table(
        "tessera_flow_decisions", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("instance_id", ID, sa.ForeignKey("tessera_flow_instances.id"), nullable=False),
        sa.Column("task_id", ID, sa.ForeignKey("tessera_flow_tasks.id"), nullable=True),
        sa.Column("node", sa.String(63), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),      # None: the system (a time-out, a start)
        sa.Column("on_behalf_of", sa.BigInteger(), nullable=True),  # the delegating user
        sa.Column("decision", sa.String(20), nullable=False),      # started, approve, reject, complete, timeout, ...
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Index("ix_tessera_flow_decisions__instance", "instance_id", "id"),
    )
    delegations = sa.Table(
        "tessera_flow_delegations", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("from_user", sa.BigInteger(), nullable=False),
        sa.Column("to_user", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Index("ix_tessera_flow_delegations__to", "app", "to_user"),
    )
    return {"instances": instances, "tasks": tasks, "decisions": decisions, "delegations": delegations}
