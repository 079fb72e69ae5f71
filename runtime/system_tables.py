"""Platform system tables (`tessera_*`) that belong to no engine."""
import sqlalchemy as sa

from runtime.outbox.table import define_outbox_table


def define_system_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    apps = sa.Table(
        "tessera_apps", metadata,
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("definition_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        # added later, so nullable: a database from before gains them empty (runtime/migrate)
        sa.Column("snapshot", sa.Text(), nullable=True),          # JSON of the installed tables (runtime/snapshot)
        sa.Column("uninstalled_at", sa.DateTime(), nullable=True),  # set by `tessera uninstall`, data kept
    )
    users = sa.Table(
        "tessera_users", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    schedule_runs = sa.Table(   # one row per firing of a scheduled job (runtime/scheduler/runs.py)
        "tessera_schedule_runs", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("job_id", sa.String(200), nullable=False),
        sa.Column("fire_key", sa.String(40), nullable=False),     # the scheduled time, UTC ISO 8601
        sa.Column("status", sa.String(10), nullable=False),       # running, ok, failed
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),             # one line; the traceback goes to the log
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.UniqueConstraint("job_id", "fire_key", name="uq_tessera_schedule_runs__firing"),
        sa.Index("ix_tessera_schedule_runs__started_at", "started_at"),
    )
    outbox = define_outbox_table(metadata)   # notifications and webhooks, delivered after commit (runtime/outbox)
    return {"apps": apps, "users": users, "schedule_runs": schedule_runs, "outbox": outbox}
