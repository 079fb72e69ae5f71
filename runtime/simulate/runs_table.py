"""The table of simulations started from the browser (runtime/simulate/runs.py): any worker of a
multi-process server shows a run's progress and report, whichever started it."""
import sqlalchemy as sa


def simulations_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "tessera_simulations", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("definition", sa.String(255), nullable=False),   # the sent file's name
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),        # running, done, failed
        sa.Column("started_by", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),  # a run not heard of for a while stopped
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("events_total", sa.Integer(), nullable=True),    # known once the events are noted
        sa.Column("events_done", sa.Integer(), nullable=False, default=0),
        sa.Column("report", sa.Text(), nullable=True),             # JSON, when done
        sa.Column("error", sa.Text(), nullable=True),              # when failed
    )
