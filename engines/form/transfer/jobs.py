"""Import jobs: one row per import in `tessera_import_jobs`, its failed rows in `tessera_import_errors`.

A job's `last_row` is the last row number whose chunk committed, written in the same transaction
as the chunk (with that chunk's failed rows): after a crash, a resumed job starts after it and
neither skips nor repeats a row.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import sqlalchemy as sa

from engines.common.labels import Label
from engines.form.transfer.cells import RowError

STATUSES = ("new", "checking", "checked", "running", "done", "failed")


def import_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The two system tables, defined once per MetaData (the platform's; a fresh one on reload)."""
    if "tessera_import_jobs" in metadata.tables:
        return metadata.tables["tessera_import_jobs"], metadata.tables["tessera_import_errors"]
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    jobs = sa.Table(
        "tessera_import_jobs", metadata,
        sa.Column("id", big, primary_key=True),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("tbl", sa.String(63), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("key_field", sa.String(63)),
        sa.Column("options", sa.Text(), nullable=False),     # JSON: headers, mapping, rules, chunk
        sa.Column("path", sa.Text(), nullable=False),        # the file being imported
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("total", sa.Integer()),                    # data rows in the file, when known
        sa.Column("last_row", sa.Integer(), nullable=False),  # last row number committed (1: the header)
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("created_by", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Index("ix_tessera_import_jobs__app_tbl", "app", "tbl"),
    )
    errors = sa.Table(
        "tessera_import_errors", metadata,
        sa.Column("id", big, primary_key=True),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("dry", sa.Boolean(), nullable=False),        # found by a dry run (replaced by the next one)
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("col", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),         # JSON: the row as the file had it
        sa.Index("ix_tessera_import_errors__job_row", "job_id", "row"),
    )
    return jobs, errors


class Jobs:
    """The import jobs of one form app."""

    def __init__(self, form):
        self.form = form
        self.jobs, self.errors = import_tables(form.sequences.metadata)

    def create(self, table, *, mode, key, options, path, filename, actor, total=None) -> int:
        now = _now()
        with self.form.engine.begin() as conn:
            return conn.execute(self.jobs.insert().values(
                app=self.form.name, tbl=table, status="new", mode=mode, key_field=key,
                options=json.dumps(options, ensure_ascii=False), path=path, filename=filename, total=total,
                last_row=1, processed=0, inserted=0, updated=0, failed=0, created_by=actor,
                created_at=now, updated_at=now)).inserted_primary_key[0]

    def get(self, job_id) -> dict | None:
        with self.form.engine.connect() as conn:
            row = conn.execute(sa.select(self.jobs).where(self.jobs.c.id == job_id,
                                                          self.jobs.c.app == self.form.name)).mappings().first()
        if row is None:
            return None
        job = dict(row)
        job["options"] = json.loads(job["options"])
        return job

    def set(self, job_id, conn=None, **values) -> None:
        values["updated_at"] = _now()
        if "options" in values:
            values["options"] = json.dumps(values["options"], ensure_ascii=False)
        stmt = self.jobs.update().where(self.jobs.c.id == job_id).values(**values)
        if conn is not None:
            conn.execute(stmt)
            return
        with self.form.engine.begin() as own:
            own.execute(stmt)

    def chunk_done(self, conn, job_id, last_row, counts, errors, cells_of) -> None:
        """Inside the chunk's transaction: progress and the chunk's failed rows."""
        self.set(job_id, conn, last_row=last_row, status="running",
                 **{k: self.jobs.c[k] + v for k, v in counts.items()})
        self.add_errors(conn, job_id, errors, cells_of, dry=False)

    def add_errors(self, conn, job_id, errors, cells_of, dry) -> None:
        if errors:
            conn.execute(self.errors.insert(), [
                {"job_id": job_id, "dry": dry, "row": e.row, "col": e.column, "value": e.value,
                 "reason_en": e.reason.en, "reason_zh": e.reason.zh,
                 "cells": json.dumps(cells_of.get(e.row, []), ensure_ascii=False, default=str)}
                for e in errors])

    def clear_errors(self, conn, job_id, dry=None) -> None:
        cond = self.errors.c.job_id == job_id
        if dry is not None:
            cond = sa.and_(cond, self.errors.c.dry == dry)
        conn.execute(self.errors.delete().where(cond))

    def failures(self, job_id, dry: bool, limit: int | None = None) -> list[RowError]:
        e = self.errors
        stmt = sa.select(e).where(e.c.job_id == job_id, e.c.dry == dry).order_by(e.c.row, e.c.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.form.engine.connect() as conn:
            return [RowError(r.row, r.col, r.value, Label(zh=r.reason_zh, en=r.reason_en))
                    for r in conn.execute(stmt)]

    def failed_rows_csv(self, job_id, headers, lang: str, dry: bool = False):
        """The failed rows as a CSV (UTF-8 with BOM for Excel): the file's columns, then an error
        column with every reason of the row; fix it and import it again. Yields text blocks."""
        e = self.errors
        stmt = sa.select(e.c.row, e.c.col, e.c.reason_en, e.c.reason_zh, e.c.cells) \
            .where(e.c.job_id == job_id, e.c.dry == dry).order_by(e.c.row, e.c.id)
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([*headers, "错误" if lang != "en" else "Error"])
        yield "\ufeff" + _drain(buf)
        with self.form.engine.connect() as conn:
            current, cells, reasons = None, [], []
            for r in conn.execution_options(yield_per=1000).execute(stmt):
                if r.row != current and current is not None:
                    writer.writerow(_padded(cells, len(headers)) + ["; ".join(reasons)])
                    reasons = []
                if r.row != current:
                    current, cells = r.row, json.loads(r.cells)
                reason = r.reason_en if lang == "en" else r.reason_zh
                reasons.append(f"{r.col}: {reason}" if r.col else reason)
                if buf.tell() > 1 << 16:
                    yield _drain(buf)
            if current is not None:
                writer.writerow(_padded(cells, len(headers)) + ["; ".join(reasons)])
        yield _drain(buf)

    def recent(self, table, limit=10) -> list[dict]:
        j = self.jobs
        with self.form.engine.connect() as conn:
            rows = conn.execute(sa.select(j).where(j.c.app == self.form.name, j.c.tbl == table)
                                .order_by(j.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in rows]


def status_json(job) -> dict:
    return {k: job[k] for k in ("id", "status", "mode", "total", "processed", "inserted", "updated", "failed",
                                "last_row", "message")}


def _padded(cells, n):
    cells = ["" if c is None else c for c in cells]
    return (cells + [""] * n)[:n]


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
