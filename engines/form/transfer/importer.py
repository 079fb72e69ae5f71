"""Importing rows through the record service, a chunk per unit of work.

Every row is a create or an update of `Writer` (validation, permissions, audit, rules when chosen,
ledgers), inside a savepoint: a refused row is rolled back alone and reported, the others of its
chunk go on. The chunk's progress (its last row number) and its failed rows are written in the
chunk's own transaction, so a crash loses at most the chunk in flight and a resume repeats nothing.

A dry run does the same writes in transactions that are rolled back: the report is what a real
import would say (unique values, links, permissions, balances), and nothing is kept. Unique values
are also remembered across its chunks, since a rolled-back chunk no longer holds them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Callable

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.errors import NotFound, RecordError, ValidationFailed
from engines.form.events import After
from engines.form.ledger.post import post
from engines.form.records import Writer
from engines.form.transfer.cells import RowError, RowReader
from engines.form.transfer.columns import ID, check_key, targets
from engines.form.transfer.link_titles import LinkTitles
from engines.form.unit import UnitState

MODES = ("insert", "update", "upsert")
DEFAULT_CHUNK = 500      # rows per unit of work through the record service (a savepoint each)
BULK_CHUNK = 5000        # on the bulk path: fewer commits and queries, the write lock held ~0.1 s
KEPT_ERRORS = 1000       # errors an Outcome keeps in memory (a job keeps them all in its table)
_OPENING_CHOICES = ("opening", "import", "migration", "adjustment")


@dataclass
class Plan:
    table: str
    mapping: dict                      # column index -> target name, None: ignored
    mode: str = "insert"
    key: str | None = None
    rules: bool = True                 # False: the rules engine runs nothing on these writes
    chunk: int | None = None           # rows per unit of work; None: DEFAULT_CHUNK, or BULK_CHUNK on the bulk path
    opening_values: dict = field(default_factory=dict)   # ledger table -> field values of opening entries
    # the bulk path (bulk.py): None, whenever it applies (insert mode, rules off); False: the record
    # service row by row all the same (to compare the two); True: required (refused otherwise)
    bulk: bool | None = None


@dataclass
class Outcome:
    processed: int = 0
    inserted: int = 0
    updated: int = 0
    failed: int = 0
    last_row: int = 1
    errors: list = field(default_factory=list)

    def add(self, counts: dict, errors: list) -> None:
        for k, v in counts.items():
            setattr(self, k, getattr(self, k) + v)
        room = KEPT_ERRORS - len(self.errors)
        self.errors.extend(errors[:max(room, 0)])


class Importer:
    def __init__(self, form, records, sheet, plan: Plan, access=None, actor=None):
        if plan.mode not in MODES:
            raise RecordError(msg(f"unknown mode '{plan.mode}' (insert, update or upsert)",
                                  f"未知的导入模式 {plan.mode}（insert、update 或 upsert）"))
        self.form, self.records, self.sheet, self.plan = form, records, sheet, plan
        self.access, self.actor = access, actor
        self.table = form.tables[plan.table]
        self.available = targets(form, plan.table, access)
        check_key(form, plan.table, plan.mode, plan.key, plan.mapping, self.available)
        if access is not None:     # refused before reading a row: 403 for the whole import
            access.require(plan.table, "create")
            if plan.mode != "insert":
                access.require(plan.table, "update")
        self.reader = RowReader(form, self.available, sheet.headers, plan.mapping, plan.key)
        self.titles = LinkTitles(form, plan.table, self.reader, access)
        self.opening_values = {led: {**default_opening_values(form, led), **plan.opening_values.get(led, {})}
                               for led in {tg.ledger for tg in self.available.values() if tg.ledger}}
        self._seen: dict = {}      # dry run: unique field -> {value: row}
        self.bulk = None
        applies = plan.mode == "insert" and not plan.rules
        if plan.bulk and not applies:
            raise RecordError(msg("the fast path only inserts, with rules off",
                                  "快速导入只能新增记录，且不触发规则"))
        if applies and plan.bulk is not False:
            from engines.form.transfer.bulk import BulkInserter
            self.bulk = BulkInserter(self)

    # -- the loop ---------------------------------------------------------------------------------
    def run(self, *, dry_run=False, start_after=1, job_id=None, jobs=None,
            progress: Callable[[Outcome], None] | None = None) -> Outcome:
        """Import (or check, `dry_run`) the rows after row `start_after`. With `jobs`/`job_id`, each
        chunk's progress and failed rows go to the job's tables."""
        out = Outcome(last_row=start_after)
        rows = self.sheet.rows(start_after)
        size = self.plan.chunk or (BULK_CHUNK if self.bulk is not None and not dry_run else DEFAULT_CHUNK)
        while chunk := list(islice(rows, size)):
            if self.bulk is not None and not dry_run:       # the bulk path reads a chunk column by column
                counts, errors = self._bulk_chunk(chunk, job_id, jobs)
                out.add(counts, errors)
                out.last_row = chunk[-1][0]
                if progress is not None:
                    progress(out)
                continue
            parsed = [self.reader.read(n, cells) for n, cells in chunk]
            if dry_run:
                counts, errors = self._dry_chunk(parsed)
                if jobs is not None:
                    with self.form.engine.begin() as conn:
                        jobs.add_errors(conn, job_id, errors, _cells(parsed, errors), dry=True)
                        jobs.set(job_id, conn, processed=out.processed + counts["processed"])
            else:
                counts, errors = self._chunk(parsed, job_id, jobs)
            out.add(counts, errors)
            out.last_row = parsed[-1].number
            if progress is not None:
                progress(out)
        return out

    def _chunk(self, rows, job_id, jobs):
        with self.records.unit_of_work(self.actor, source="import", access=self.access) as w:
            w.unit.run_rules = self.plan.rules
            self.titles.resolve(w.conn, rows)
            counts, errors = self._rows(w, rows, job_id)
            if jobs is not None:
                jobs.chunk_done(w.conn, job_id, rows[-1].number, counts, errors, _cells(rows, errors))
        return counts, errors

    def _bulk_chunk(self, chunk, job_id, jobs):
        numbers = [n for n, _cells in chunk]
        cells = [c for _n, c in chunk]
        with self.records.unit_of_work(self.actor, source="import", access=self.access) as w:
            w.unit.run_rules = False
            counts, errors = self.bulk.rows(w, numbers, cells, job_id)
            if jobs is not None:
                bad = {e.row for e in errors}
                jobs.chunk_done(w.conn, job_id, numbers[-1], counts, errors,
                                {n: c for n, c in chunk if n in bad} if bad else {})
        return counts, errors

    def _dry_chunk(self, rows):
        """The chunk's writes in a transaction rolled back at its end: nothing is kept, not even
        what subscribers leave for after a commit or a rollback (that After is never run)."""
        with self.form.write_engine.connect() as conn:
            trans = conn.begin()
            try:
                w = Writer(self.form, conn, self.actor, "import", access=self.access, after=After(),
                           unit=UnitState(flush_at_commit=True))
                w.unit.run_rules = self.plan.rules
                self.titles.resolve(w.conn, rows)
                counts, errors = self._rows(w, rows, None, dry=True)
            finally:
                trans.rollback()
        return counts, errors

    def _rows(self, w, rows, job_id, dry=False):
        counts = {"processed": 0, "inserted": 0, "updated": 0, "failed": 0}
        errors: list[RowError] = []
        for row in rows:
            counts["processed"] += 1
            problems = row.errors or (self._seen_before(row) if dry else [])
            if not problems:
                problems, done = self._write(w, row, job_id)
                if done:
                    counts[done] += 1
            if problems:
                counts["failed"] += 1
                errors.extend(problems)
        return counts, errors

    # -- one row ----------------------------------------------------------------------------------
    def _write(self, w, row, job_id):
        """Create or update the row's record and post its opening balances, in a savepoint."""
        mark = w.unit.mark()
        savepoint = w.conn.begin_nested()
        try:
            record_id, done = self._save(w, row)
            for ledger, (amount, expires) in row.opening.items():
                if amount:
                    key = f"import-{job_id}-{row.number}" if job_id is not None else None
                    post(w, ledger, record_id, amount, values=self.opening_values[ledger], key=key,
                         expires=expires)
            savepoint.commit()
            return [], done
        except RecordError as exc:
            savepoint.rollback()
            w.unit.rewind(mark)
            return self._refusal(row, exc), None

    def _save(self, w, row):
        t = self.plan.table
        if self.plan.mode == "insert":
            return w.create(t, row.values)["id"], "inserted"
        if row.key is None:
            raise ValidationFailed({self.plan.key: msg("is empty: it finds the record to update",
                                                       "为空：需要用它找到要更新的记录")})
        found = self._find(w, row.key)
        if found is not None:
            values = {k: v for k, v in row.values.items() if k != self.plan.key}
            return w.update(t, found, values)["id"], "updated"
        if self.plan.mode == "update":
            raise NotFound(msg(f"no record has this {self.plan.key}", f"没有{self.plan.key}为该值的记录"))
        return w.create(t, row.values)["id"], "inserted"

    def _find(self, w, value):
        sql = self.form.sql[self.plan.table]
        if self.plan.key == ID:
            stmt = sa.select(sql.c.id).where(sql.c.id == value)
        else:
            stmt = sa.select(sql.c.id).where(sql.c[self.plan.key] == w._to_db(self.table, self.plan.key, value))
        return w.conn.execute(stmt).scalar()

    def _refusal(self, row, exc) -> list[RowError]:
        if isinstance(exc, ValidationFailed) or exc.fields:
            found = self.reader.field_errors(row, exc.fields, self.plan.table)
            if found:
                return found
        target = self.plan.key if isinstance(exc, NotFound) else None
        return [self.reader.error(row, exc.message, target)]

    def _seen_before(self, row) -> list[RowError]:
        """Dry run: a unique value an earlier row of the file already has (that chunk was rolled back)."""
        out = []
        t = self.table
        for name, value in row.values.items():
            f = t.fields.get(name)
            if f is None or not f.unique or (self.plan.mode != "insert" and name == self.plan.key):
                continue
            seen = self._seen.setdefault(name, {})
            if value in seen:
                out.append(self.reader.field_errors(row, {name: msg(
                    f"is already used by row {seen[value]} of the file", f"与文件第 {seen[value]} 行重复")},
                    self.plan.table)[0])
            else:
                seen[value] = row.number
        return out


def default_opening_values(form, ledger: str) -> dict:
    """The fields an opening entry needs besides account, amount and expiry: a required select gets
    an option named like an opening ('opening', 'import', 'migration', 'adjustment') or its first one;
    a required text says 'import'."""
    t = form.tables[ledger]
    led = t.ledger
    out = {}
    for name, f in t.fields.items():
        if name in (led.account, led.amount, led.expires, led.balance_after) or not f.required \
                or f.default is not None:
            continue
        if f.type == "select" and f.options:
            keys = [o.key for o in f.options]
            out[name] = next((k for k in _OPENING_CHOICES if k in keys), keys[0])
        elif f.type in ("text", "long_text"):
            out[name] = "import"
    return out


def _cells(rows, errors) -> dict:
    bad = {e.row for e in errors}
    return {r.number: r.cells for r in rows if r.number in bad}
