"""The triggering events of a period, read from the scratch copy before it is rewound, into a table of
the scratch file (streamed back in order by the replay, so a million events never sit in memory).

- writes: audit entries whose source is a person or a program (page, api, import...), not a rule's
  cascade nor a scheduled job's (those are what the replay recomputes);
- button presses: the run log's `action` runs, whatever their outcome then (noted with them);
- external events: the event journal (engines/rules/event_journal.py): payloads exist only from
  when the journal exists;
- scheduled firings of the app's jobs (its scheduled rules, its ledgers' expiry and release).
"""
from __future__ import annotations

import sqlalchemy as sa

DERIVED_SOURCES = ("rule", "scheduler", "system", "read", "flow")    # flow: what a decision or an end wrote
# the app's jobs that a replay fires again; the outbox's delivery job is never among them
JOB_PREFIXES = ("rules.{app}.", "form.ledger_expiry.{app}", "form.ledger_release.{app}")
KIND_RANK = {"firing": 0, "write": 1, "press": 2, "event": 3}


def events_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "sim_events", metadata,
        sa.Column("seq", sa.Integer(), primary_key=True),     # the replay order
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),     # write | press | event | firing
        sa.Column("ref", sa.BigInteger(), nullable=False),    # id of the row it came from
        sa.Column("tbl", sa.String(63)),
        sa.Column("record_id", sa.BigInteger()),
        sa.Column("action", sa.String(10)),                   # write: create | update | delete | import; press: its live outcome
        sa.Column("actor", sa.BigInteger()),
        sa.Column("source", sa.String(20)),
        sa.Column("name", sa.String(200)),                    # rule, event or job
        sa.Column("data", sa.Text()),                         # write: changes; event: payload; firing: fire time
    )


def collect(platform, conn, app: str, start, end) -> sa.Table:
    """Fill `sim_events` on `conn` with the app's triggering events in [start, end); returns the table."""
    table = events_table(sa.MetaData())
    table.create(conn)
    audit, runs, journal = platform.audit.table, platform.rule_runs, platform.event_journal
    firings = platform.system["schedule_runs"]
    fired_at = fire_time(firings)
    null = sa.null()
    parts = [
        sa.select(audit.c.at, sa.literal("write").label("kind"), audit.c.id.label("ref"), audit.c.tbl,
                  audit.c.record_id, audit.c.action, audit.c.actor, audit.c.source, null.label("name"),
                  audit.c.changes.label("data"))
        .where(audit.c.app == app, audit.c.at >= start, audit.c.at < end, audit.c.source.notin_(DERIVED_SOURCES)),
        sa.select(runs.c.at, sa.literal("press"), runs.c.id, runs.c.tbl, runs.c.record_id, runs.c.outcome, runs.c.actor,
                  runs.c.source, runs.c.rule, null)
        .where(runs.c.app == app, runs.c.at >= start, runs.c.at < end, runs.c.trigger == "action"),
        sa.select(journal.c.at, sa.literal("event"), journal.c.id, null, null, journal.c.key, journal.c.actor,
                  sa.literal("api"), journal.c.event, journal.c.payload)
        .where(journal.c.app == app, journal.c.at >= start, journal.c.at < end),
        sa.select(fired_at, sa.literal("firing"), firings.c.id, null, null, null, null, sa.literal("scheduler"),
                  firings.c.job_id, firings.c.fire_key)
        .where(sa.or_(*(firings.c.job_id.startswith(p.format(app=app)) for p in JOB_PREFIXES)),
               fired_at >= start, fired_at < end),
    ]
    union = sa.union_all(*parts).subquery()
    rank = sa.case(*((union.c.kind == k, r) for k, r in KIND_RANK.items()))
    ordered = sa.select(union.c.at, union.c.kind, union.c.ref, union.c.tbl, union.c.record_id, union.c.action,
                        union.c.actor, union.c.source, union.c.name, union.c.data) \
        .order_by(union.c.at, rank, union.c.ref)
    cols = ["at", "kind", "ref", "tbl", "record_id", "action", "actor", "source", "name", "data"]
    conn.execute(table.insert().from_select(cols, ordered))    # rowids in that order: the replay's
    return table


def fire_time(firings: sa.Table):
    """SQL: a firing's scheduled time (its key, ISO 8601 UTC) as SQLite's datetime text. Not the time
    it started: a scheduler catching up runs a firing later than it was due."""
    return sa.func.datetime(sa.func.substr(firings.c.fire_key, 1, 19), type_=sa.DateTime())


def stream(conn, table: sa.Table, batch: int = 2000):
    """The events in replay order, `batch` at a time (lists), read on `conn` (the replay's own
    connection: another one might wait for the write lock the replay holds)."""
    last = 0
    while True:
        rows = conn.execute(sa.select(table).where(table.c.seq > last).order_by(table.c.seq)
                            .limit(batch)).mappings().all()
        if not rows:
            return
        yield rows
        last = rows[-1]["seq"]
