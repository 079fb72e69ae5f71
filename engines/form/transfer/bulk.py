"""The fast path for large inserts without rules: the same checks as `Writer.create`, a chunk at a time.

Per row, as the record service does it: every cell parsed by its field type (cells.py), defaults,
required, each type's `validate`, fields the person may not set, formulas and auto numbers. Per chunk
instead of per row: links checked with one query per link field, unique values with one query per
unique field (and against the chunk's other rows), one INSERT for the chunk (executemany, with ids
reserved first by system.reserve_ids, so no RETURNING row by row), the person's `create` row
condition checked with one query (rows outside it are taken out again and reported). The chunk's
records are one `RecordsCreated` event to the app's subscribers (the audit log writes one entry holding
their ids); the rules engine skips it (the unit of work's `run_rules` is False). Opening balances are still posted
through the ledger (`post`) one by one: a ledger is never bypassed.

What it gives up, and why it is only offered with rules off in insert mode: rules cannot see a
record before the chunk's INSERT, and an update needs the old record read row by row anyway.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.errors import RecordError
from engines.form.events import RecordsCreated
from engines.form.fields import FieldError
from engines.form.fields.base import FieldType
from engines.form.ledger.opening import Openings
from engines.form.ledger.post import post
from engines.form.reading import scoped
from engines.form.system import next_sequence, reserve_ids
from engines.form.transfer.cells import RowError
from engines.form.insert_many import RowInserter
from engines.form.validation import check_value

ALREADY_USED = msg("is already used by another record", "已被其他记录使用")


class BulkInserter:
    """Used by Importer._chunk when the plan asks for it (Plan.bulk)."""

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
        self.openings = {led: Openings(self.form, led, values, access) for led, values in importer.opening_values.items()}

    def rows(self, w, rows, job_id):
        counts = {"processed": len(rows), "inserted": 0, "updated": 0, "failed": 0}
        errors: list[RowError] = []
        good = []
        for row in rows:
            problems = row.errors or self._check(row)
            if problems:
                errors.extend(problems)
            else:
                good.append(row)
        good = self._links_and_unique(w, good, errors)
        if good:
            good = self._insert(w, good, errors, job_id)
        counts["inserted"] = len(good)
        counts["failed"] = len({e.row for e in errors})
        return counts, errors

    # -- per row --------------------------------------------------------------------------------
    def _check(self, row) -> list[RowError]:
        fields = {}
        values = {}
        given = row.values
        for name, f, ftype, default, dynamic in self.checks:
            if name in given:
                if name in self.locked:
                    fields[name] = msg("you may not set this field", "你没有权限填写此字段")
                    continue
                value = given[name]
            elif dynamic:
                value = ftype.default_value(f)
            else:
                value = default
            if value is not None or f.required:       # check_value, without a call for an empty field
                try:
                    check_value(ftype, f, value)
                except FieldError as exc:
                    fields[name] = exc.message
                    continue
            values[name] = value
        row.values = values
        return self.imp.reader.field_errors(row, fields, self.t.name) if fields else []

    # -- per chunk ------------------------------------------------------------------------------
    def _links_and_unique(self, w, rows, errors):
        bad: dict[int, dict] = {}
        for name, f in self.t.fields.items():
            if f.type in ("link", "multi_link"):
                ids = {i for r in rows for i in _ids(r.values.get(name))}
                if ids:
                    target = self.form.sql[f.table]
                    stmt = scoped(sa.select(target.c.id).where(target.c.id.in_(ids)), self.imp.access, f.table)
                    found = set(w.conn.execute(stmt).scalars())
                    label = self.form.table(f.table).label
                    for r in rows:
                        missing = [i for i in _ids(r.values.get(name)) if i not in found]
                        if missing:
                            bad.setdefault(r.number, {})[name] = msg(
                                f"no record {missing[0]} in '{label.en}'", f"{label.zh} 中没有编号为 {missing[0]} 的记录")
            if f.unique:
                seen = {}
                for r in rows:
                    v = r.values.get(name)
                    if v is None:
                        continue
                    if v in seen:
                        bad.setdefault(r.number, {})[name] = msg(
                            f"is already used by row {seen[v]} of the file", f"与文件第 {seen[v]} 行重复")
                    else:
                        seen[v] = r.number
                if seen:
                    col = self.sql.c[name]
                    conv = self.to_db.get(name)
                    stored = {v: (v if conv is None else conv(f, v)) for v in seen}
                    taken = set(w.conn.execute(sa.select(col).where(col.in_(list(stored.values())))).scalars())
                    if taken:
                        for r in rows:
                            v = r.values.get(name)
                            if v is not None and stored[v] in taken:
                                bad.setdefault(r.number, {})[name] = ALREADY_USED
        kept = []
        for r in rows:
            if r.number in bad:
                errors.extend(self.imp.reader.field_errors(r, bad[r.number], self.t.name))
            else:
                kept.append(r)
        return kept

    def _insert(self, w, rows, errors, job_id):
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        joins, to_db, fields = self.joins, self.to_db, self.t.fields
        shared = {"created_at": now, "updated_at": now, "created_by": w.actor, "updated_by": w.actor}
        rows, direct = self._simple_openings(rows, errors)
        ids = reserve_ids(w.conn, self.sql, len(rows))     # one plain executemany, no RETURNING per row
        params = []
        for r, rid in zip(rows, ids):
            if self.autos or self.formulas:
                self._computed(w, r.values, now)
            p = {k: v if v is None or k not in to_db else to_db[k](fields[k], v)
                 for k, v in r.values.items() if k not in joins}
            p["id"] = rid
            for ledger, amount, _expires in direct.get(r.number, ()):
                led = self.openings[ledger]
                balance = led.led.balance
                p[balance] = self.form.ftype(fields[balance]).to_db(fields[balance], led.balance(amount))
            params.append(p)
        self.inserter.insert(w.conn, params, shared)
        for name in joins:
            jt = self.form.sql.joins[(self.t.name, name)]
            pairs = [{"source_id": i, "target_id": t} for i, r in zip(ids, rows) for t in r.values.get(name) or []]
            if pairs:
                w.conn.execute(jt.insert(), pairs)
        w.unit.wrote(self.form, self.t.name)
        rows, ids = self._allowed(w, rows, ids, errors, joins)
        rows, ids = self._opening(w, rows, ids, errors, job_id, joins)     # may take records out: first
        self._write_openings(w, rows, ids, direct, job_id, now)
        if ids:
            # one event for the chunk: the audit log writes one entry holding its ids
            event = RecordsCreated(app=self.form.name, table=self.t.name, ids=tuple(ids), actor=w.actor,
                                   source=w.source, at=now, note={"job": job_id, "rows": [rows[0].number, rows[-1].number]})
            child = w.child()
            for sub in self.form.subscribers.for_table(self.t.name):
                sub(event, child)
        return rows

    def _computed(self, w, values, now):
        local = now.replace(tzinfo=dt.timezone.utc).astimezone(self.form.timezone)
        for name, f in self.autos:
            ftype = self.form.ftype(f)
            n = next_sequence(w.conn, self.form.sequences, self.form.name, self.t.name, name,
                              ftype.period_key(f, local))
            values[name] = ftype.render(f, local, n)
        for name, f in self.formulas:
            values[name] = self.form.ftype(f).compute(f, values)

    def _allowed(self, w, rows, ids, errors, joins):
        """The person's `create` condition (an `own` or filter grant), for the chunk at once."""
        cond = self.imp.access.rows(self.t.name, "create") if self.imp.access is not None else None
        if cond is None:
            return rows, ids
        ok = set(w.conn.execute(sa.select(self.sql.c.id).where(self.sql.c.id.in_(ids), cond)).scalars())
        why = msg(f"you may not add records like this to '{self.t.label.en}'", f"你没有权限新建这样的{self.t.label.zh}")
        refused = {i: RowError(r.number, "", "", why) for r, i in zip(rows, ids) if i not in ok}
        return self._take_out(w, rows, ids, refused, errors, joins)

    def _simple_openings(self, rows, errors):
        """Take out the opening balances the ledger writes a chunk at a time (ledger/opening.py):
        row number -> [(ledger, amount)]; a row whose entry would be refused fails here."""
        direct, kept = {}, []
        for r in rows:
            mine = []
            try:
                for ledger, (amount, expires) in list(r.opening.items()):
                    if amount and self.openings[ledger].simple(amount):
                        self.openings[ledger].check(amount, expires)
                        mine.append((ledger, amount, expires))
                        del r.opening[ledger]
            except FieldError as exc:
                errors.append(self.imp.reader.error(r, exc.message))
                continue
            kept.append(r)
            if mine:
                direct[r.number] = mine
        return kept, direct

    def _write_openings(self, w, rows, ids, direct, job_id, now):
        by_ledger: dict = {}
        for r, rid in zip(rows, ids):
            for ledger, amount, expires in direct.get(r.number, ()):
                key = f"import-{job_id}-{r.number}" if job_id is not None else None
                by_ledger.setdefault(ledger, []).append((rid, amount, expires, key))
        for ledger, items in by_ledger.items():
            self.openings[ledger].write(w, items, now)

    def _opening(self, w, rows, ids, errors, job_id, joins):
        """Other opening balances through `post`, a savepoint each: a refused post takes its record out."""
        refused = {}
        for r, rid in zip(rows, ids):
            for ledger, (amount, expires) in r.opening.items():
                if not amount:
                    continue
                mark = w.unit.mark()
                sp = w.conn.begin_nested()
                try:
                    post(w, ledger, rid, amount, values=self.imp.opening_values[ledger],
                         key=f"import-{job_id}-{r.number}" if job_id is not None else None, expires=expires)
                    sp.commit()
                except RecordError as exc:
                    sp.rollback()
                    w.unit.rewind(mark)
                    refused[rid] = self.imp.reader.error(r, exc.message)
                    break
        return self._take_out(w, rows, ids, refused, errors, joins)

    def _take_out(self, w, rows, ids, refused, errors, joins):
        """Delete the chunk's records in `refused` (id -> its error) again; the others go on."""
        if not refused:
            return rows, ids
        gone = list(refused)
        for name in joins:
            jt = self.form.sql.joins[(self.t.name, name)]
            w.conn.execute(jt.delete().where(jt.c.source_id.in_(gone)))
        w.conn.execute(self.sql.delete().where(self.sql.c.id.in_(gone)))
        for rid in gone:
            w.unit.drop(self.t.name, rid)
        errors.extend(refused.values())
        kept = [(r, i) for r, i in zip(rows, ids) if i not in refused]
        return [r for r, _ in kept], [i for _, i in kept]


def _ids(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
