"""The bulk path, which every insert without rules takes: the same checks as `Writer.create`, a chunk at a time.

The chunk is read and checked a column at a time (bulk_checks.py: every cell parsed by its field
type, defaults, required, each type's `validate`, fields the person may not set; links with one query
per link field, unique values with one query per unique field and against the chunk's other rows);
formulas and auto numbers per row; one INSERT for the chunk (executemany of its columns zipped into
rows, with ids reserved first by system.reserve_ids, so no RETURNING row by row); the person's
`create` row condition checked with one query (rows outside it are taken out again and reported).
The chunk's records are one `RecordsCreated` event to the app's subscribers (the audit log writes one
entry holding their ids); the rules engine skips it (the unit of work's `run_rules` is False).
Opening balances of new accounts are written by the ledger a chunk at a time (ledger/opening.py),
any other through `post`, one by one: a ledger is never bypassed.

What it gives up, and why it is only taken with rules off in insert mode: rules cannot see a
record before the chunk's INSERT, and an update needs the old record read row by row anyway.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engines.common import clock
from engines.common.labels import msg
from engines.form.errors import RecordError
from engines.form.events import RecordsCreated
from engines.form.fields import FieldError
from engines.form.fields.base import FieldType
from engines.form.ledger.opening import Openings
from engines.form.ledger.post import post
from engines.form.system import next_sequence, reserve_ids
from engines.form.transfer.bulk_checks import ColumnChecks
from engines.form.transfer.cells import RowError
from engines.form.insert_many import RowInserter


class BulkInserter:
    """Used by Importer._bulk_chunk whenever the bulk path applies (Plan.bulk)."""

    def __init__(self, importer):
        self.imp = importer
        self.form = importer.form
        self.t = importer.table
        self.sql = self.form.sql[self.t.name]
        access = importer.access
        self.locked = access.readonly(self.t.name, "create") if access is not None else frozenset()
        # worked out once, not per row: what each stored field needs (a chunk is a thousand rows)
        self.checks = []         # (name, field, type, default, dynamic default)
        self.to_db = {}          # field -> its type's to_db, where it is not the identity
        for name, f in self.t.fields.items():
            ftype = self.form.ftype(f)
            if not ftype.stored or ftype.computed:
                continue
            default = None
            if f.default is not None and f.type != "auto_number":
                try:
                    default = ftype.default_value(f)
                except FieldError:
                    pass
            self.checks.append((name, f, ftype, default, f.default in ("now", "today")))
            if type(ftype).to_db is not FieldType.to_db:
                self.to_db[name] = ftype.to_db
        self.autos = [(n, f) for n, f in self.t.fields.items() if f.type == "auto_number"]
        self.formulas = [(n, f) for n, f in self.t.fields.items() if f.type == "formula"]
        self.joins = [n for n, f in self.t.fields.items() if self.form.ftype(f).join_table]
        self.inserter = RowInserter(self.sql, self.form.write_engine.dialect)
        self.columns = ColumnChecks(importer, self.checks, self.locked, self.to_db)
        self.openings = {led: Openings(self.form, led, values, access) for led, values in importer.opening_values.items()}

    def rows(self, w, numbers, cells, job_id):
        """The chunk's rows (numbers[k], cells[k]) checked and inserted: (counts, errors)."""
        chunk = self.columns.read(w.conn, numbers, cells)
        good = [k for k in range(chunk.n) if k not in chunk.failed]
        good = self.columns.links_and_unique(w.conn, chunk, good)
        if good:
            self._insert(w, chunk, good, job_id)
        failed = chunk.failed
        errors = [e for k in sorted(failed) for e in failed[k]]
        counts = {"processed": chunk.n, "inserted": chunk.n - len(failed), "updated": 0, "failed": len(failed)}
        return counts, errors

    def _insert(self, w, chunk, good, job_id):
        now = clock.utcnow_naive()       # the engine's clock, as Writer.create's stamps
        joins, fields = self.joins, self.t.fields
        shared = {"created_at": now, "updated_at": now, "created_by": w.actor, "updated_by": w.actor}
        good, direct, posted = self._simple_openings(chunk, good)
        n = len(good)
        ids = reserve_ids(w.conn, self.sql, n)     # one plain executemany, no RETURNING per row
        whole = n == chunk.n
        values = {name: (col if whole else [col[k] for k in good]) for name, col in chunk.values.items()}
        if self.autos or self.formulas:
            self._computed(w, values, n, now)
        columns = {}
        for name, col in values.items():
            if name in joins:
                continue
            conv = self.to_db.get(name)
            columns[name] = col if conv is None else [None if v is None else conv(fields[name], v) for v in col]
        for ledger, by_row in direct.items():
            balance = self.openings[ledger].led.balance
            conv = self.form.ftype(fields[balance]).to_db
            col = columns[balance] = list(columns.get(balance) or [None] * n)
            for j, k in enumerate(good):
                if k in by_row:
                    col[j] = conv(fields[balance], self.openings[ledger].balance(by_row[k][0]))
        columns["id"] = ids
        self.inserter.insert_columns(w.conn, columns, n, shared)
        for name in joins:
            jt = self.form.sql.joins[(self.t.name, name)]
            pairs = [{"source_id": i, "target_id": t} for i, v in zip(ids, values[name]) for t in v or []]
            if pairs:
                w.conn.execute(jt.insert(), pairs)
        w.unit.wrote(self.form, self.t.name)
        good, ids = self._allowed(w, chunk, good, ids)
        good, ids = self._opening(w, chunk, good, ids, posted, job_id)     # may take records out: first
        self._write_openings(w, chunk, good, ids, direct, job_id, now)
        if ids:
            # one event for the chunk: the audit log writes one entry holding its ids
            event = RecordsCreated(app=self.form.name, table=self.t.name, ids=tuple(ids), actor=w.actor,
                                   source=w.source, at=now,
                                   note={"job": job_id, "rows": [chunk.numbers[good[0]], chunk.numbers[good[-1]]]})
            child = w.child()
            for sub in self.form.subscribers.for_table(self.t.name):
                sub(event, child)

    def _computed(self, w, values, n, now):
        """Auto numbers and formulas, row by row (a formula reads the row's other values)."""
        local = now.replace(tzinfo=dt.timezone.utc).astimezone(self.form.timezone)
        for name, _f in self.autos + self.formulas:
            values[name] = [None] * n
        for j in range(n):
            row = {name: col[j] for name, col in values.items()}
            for name, f in self.autos:
                ftype = self.form.ftype(f)
                seq = next_sequence(w.conn, self.form.statements, self.form.name, self.t.name, name,
                                    ftype.period_key(f, local))
                row[name] = values[name][j] = ftype.render(f, local, seq)
            for name, f in self.formulas:
                row[name] = values[name][j] = self.form.ftype(f).compute(f, row)

    def _allowed(self, w, chunk, good, ids):
        """The person's `create` condition (an `own` or filter grant), for the chunk at once."""
        cond = self.imp.access.rows(self.t.name, "create") if self.imp.access is not None else None
        if cond is None:
            return good, ids
        ok = set(w.conn.execute(sa.select(self.sql.c.id).where(self.sql.c.id.in_(ids), cond)).scalars())
        why = msg(f"you may not add records like this to '{self.t.label.en}'", f"你没有权限新建这样的{self.t.label.zh}")
        refused = {i: (k, RowError(chunk.numbers[k], "", "", why)) for k, i in zip(good, ids) if i not in ok}
        return self._take_out(w, chunk, good, ids, refused)

    def _simple_openings(self, chunk, good):
        """Sort the opening balances: those the ledger writes a chunk at a time (ledger/opening.py) and
        those `post` writes (ledger -> {row index: (amount, expires)} each); a row whose entry would be
        refused fails here."""
        direct, posted = {}, {}
        refused = set()
        for ledger, (amounts, expiries) in chunk.opening.items():
            if amounts is None:
                continue
            led = self.openings[ledger]
            for k in good:
                amount = amounts[k]
                if not amount or k in refused:
                    continue
                expires = expiries[k] if expiries is not None else None
                if not led.simple(amount):
                    posted.setdefault(ledger, {})[k] = (amount, expires)
                    continue
                try:
                    led.check(amount, expires)
                except FieldError as exc:
                    chunk.fail(k, [RowError(chunk.numbers[k], "", "", exc.message)])
                    refused.add(k)
                    continue
                direct.setdefault(ledger, {})[k] = (amount, expires)
        if refused:
            good = [k for k in good if k not in refused]
            for by_row in (*direct.values(), *posted.values()):
                for k in refused:
                    by_row.pop(k, None)
        return good, direct, posted

    def _write_openings(self, w, chunk, good, ids, direct, job_id, now):
        for ledger, by_row in direct.items():
            items = [(rid, *by_row[k], f"import-{job_id}-{chunk.numbers[k]}" if job_id is not None else None)
                     for k, rid in zip(good, ids) if k in by_row]
            self.openings[ledger].write(w, items, now)

    def _opening(self, w, chunk, good, ids, posted, job_id):
        """Other opening balances through `post`, a savepoint each: a refused post takes its record out."""
        if not posted:
            return good, ids
        refused = {}
        for k, rid in zip(good, ids):
            for ledger, by_row in posted.items():
                if k not in by_row:
                    continue
                amount, expires = by_row[k]
                mark = w.unit.mark()
                sp = w.conn.begin_nested()
                number = chunk.numbers[k]
                try:
                    post(w, ledger, rid, amount, values=self.imp.opening_values[ledger],
                         key=f"import-{job_id}-{number}" if job_id is not None else None, expires=expires)
                    sp.commit()
                except RecordError as exc:
                    sp.rollback()
                    w.unit.rewind(mark)
                    refused[rid] = (k, RowError(number, "", "", exc.message))
                    break
        return self._take_out(w, chunk, good, ids, refused)

    def _take_out(self, w, chunk, good, ids, refused):
        """Delete the chunk's records in `refused` (id -> (row index, its error)) again; the others go on."""
        if not refused:
            return good, ids
        gone = list(refused)
        for name in self.joins:
            jt = self.form.sql.joins[(self.t.name, name)]
            w.conn.execute(jt.delete().where(jt.c.source_id.in_(gone)))
        w.conn.execute(self.sql.delete().where(self.sql.c.id.in_(gone)))
        for rid in gone:
            w.unit.drop(self.t.name, rid)
        for k, error in refused.values():
            chunk.fail(k, [error])
        kept = [(k, i) for k, i in zip(good, ids) if i not in refused]
        return [k for k, _ in kept], [i for _, i in kept]


def _ids(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
