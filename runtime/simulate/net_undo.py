"""Undoing every audit entry at or after a moment by its net effect on each record, a few statements
per page of records instead of one or more per entry (a million undone updates in seconds).

Entry by entry, newest first (runtime/simulate/undo.py), each undo sets the fields it names back, so
what is left of a record is: gone, if its first entry in the span made it (a create, or an import's
chunk that held it); else each field as the earliest entry naming it had it before, on the row as it
is now or, if the span ends by deleting it, as that delete had it (its stamps the delete's time).
A record whose entries do not read that way (made again after a delete: ids reused) is undone entry
by entry. The entries are copied, each record's together and in order, into a table of the scratch
file first; an import's chunk gives one line per record it holds.

`keep_imports` (the rewind to the period's start): the records an import of the span made are kept,
as they were when imported, in `sim_imported_<table>` under the import's entry id, so that the
replay can put them back at that moment (runtime/simulate/imported.py)."""
from __future__ import annotations

import json
from itertools import groupby

import sqlalchemy as sa

from runtime.simulate import imported
from runtime.simulate.undo import BORN, before_values, remove, set_joins, undo_entry, values_of

PAGE = 5000


def undo_after(form, conn, audit: sa.Table, cutoff, keep_imports: bool = False) -> int:
    """Undo on `conn` (the scratch copy) the app's audit entries at or after `cutoff`; how many."""
    entries, kept = _spread(form, conn, audit, cutoff)
    last, carry = 0, []
    while True:
        rows = conn.execute(sa.select(entries).where(entries.c.seq > last).order_by(entries.c.seq)
                            .limit(PAGE)).mappings().all()
        if rows:
            last = rows[-1]["seq"]
        page = carry + list(rows)
        # a record's entries may go on in the next page: its group waits for it
        carry = [r for r in page if (r["tbl"], r["record_id"]) == (page[-1]["tbl"], page[-1]["record_id"])] \
            if rows and page else []
        todo = page[:len(page) - len(carry)]
        if todo:
            _Page(form, conn, kept if keep_imports else None).undo(todo)
        if not rows:
            break
    _keep_and_remove(form, conn, kept)
    undone = conn.execute(sa.select(sa.func.count(sa.distinct(entries.c.id)))).scalar_one()
    entries.drop(conn)
    kept.drop(conn)
    return undone


def _keep_and_remove(form, conn, kept) -> None:
    """Last, when every later entry is undone (a debit has given back what it took from an imported
    credit): the imported records aside, as they were imported, then gone."""
    for (table,) in conn.execute(sa.select(kept.c.tbl).distinct()).all():
        last = 0
        while rows := conn.execute(sa.select(kept.c.seq, kept.c.entry, kept.c.record_id)
                                   .where(kept.c.tbl == table, kept.c.seq > last)
                                   .order_by(kept.c.seq).limit(PAGE)).all():
            imported.keep(form, conn, table, [(r.entry, r.record_id) for r in rows])
            remove(form, conn, form.tables[table], [r.record_id for r in rows])
            last = rows[-1].seq


def _spread(form, conn, audit, cutoff) -> tuple[sa.Table, sa.Table]:
    """The entries to undo, in a table of the scratch file ordered by record then entry; and the
    (empty) table where the imported records to keep wait."""
    md = sa.MetaData()
    raw = sa.Table("sim_undo_raw", md, *_columns())
    entries = sa.Table("sim_undo", md, sa.Column("seq", sa.Integer(), primary_key=True), *_columns())
    kept = sa.Table("sim_undo_kept", md, sa.Column("seq", sa.Integer(), primary_key=True),
                    sa.Column("tbl", sa.String(63)), sa.Column("entry", sa.BigInteger()),
                    sa.Column("record_id", sa.BigInteger()))
    md.drop_all(conn)
    md.create_all(conn)
    cols = ["id", "at", "tbl", "record_id", "action", "changes"]
    mine = sa.and_(audit.c.app == form.name, audit.c.at >= cutoff)
    conn.execute(raw.insert().from_select(cols, sa.select(*(audit.c[c] for c in cols))
                                          .where(mine, audit.c.action != "import")))
    for entry in conn.execute(sa.select(audit.c.id, audit.c.at, audit.c.tbl, audit.c.changes)
                              .where(mine, audit.c.action == "import")).all():
        ids = [i for first, end in json.loads(entry.changes)["records"] for i in range(first, end + 1)]
        for i in range(0, len(ids), PAGE):
            conn.execute(raw.insert(), [{"id": entry.id, "at": entry.at, "tbl": entry.tbl, "record_id": rid,
                                         "action": "import", "changes": "{}"} for rid in ids[i:i + PAGE]])
    conn.execute(entries.insert().from_select(cols, sa.select(*(raw.c[c] for c in cols))
                                              .order_by(raw.c.tbl, raw.c.record_id, raw.c.id)))
    raw.drop(conn)
    return entries, kept


def _columns():
    return [sa.Column("id", sa.BigInteger()), sa.Column("at", sa.DateTime()), sa.Column("tbl", sa.String(63)),
            sa.Column("record_id", sa.BigInteger()), sa.Column("action", sa.String(10)), sa.Column("changes", sa.Text())]


class _Page:
    """The net undo of whole records' entries, gathered, then written a statement per kind."""

    def __init__(self, form, conn, kept):
        self.form, self.conn, self.kept_table = form, conn, kept     # kept: None, or where imports wait
        self.updates: dict[tuple, list] = {}     # (table, columns) -> rows
        self.inserts: dict[tuple, list] = {}
        self.joins: dict[str, list] = {}         # table -> (id, {field: ids})
        self.gone: dict[str, list] = {}          # table -> ids
        self.kept: list[dict] = []

    def undo(self, rows) -> None:
        for (table, rid), group in groupby(rows, key=lambda r: (r["tbl"], r["record_id"])):
            t = self.form.tables.get(table)
            if t is not None:
                self._record(t, rid, list(group))
        self._write()

    def _record(self, t, rid, group) -> None:
        born = group[0]["action"] in BORN
        later = group[1:] if born else group
        actions = [e["action"] for e in later]
        if any(a in BORN for a in actions) or "delete" in actions[:-1]:
            for entry in reversed(group):            # not a plain life: undone as it happened
                undo_entry(self.form, self.conn, entry)
            return
        plain = {}
        for entry in reversed(later):                # the earliest entry naming a field has the last word
            plain.update(before_values(entry["changes"]))
        columns, joins = values_of(self.form, t, plain)
        if actions and actions[-1] == "delete":
            at = later[-1]["at"]
            row = {"id": rid, "created_at": at, "updated_at": at, **columns}
            self.inserts.setdefault((t.name, tuple(sorted(row))), []).append(row)
        elif columns:
            self.updates.setdefault((t.name, tuple(sorted(columns))), []).append({"_rid": rid, **columns})
        if joins:
            self.joins.setdefault(t.name, []).append((rid, joins))
        if born:
            if group[0]["action"] == "import" and self.kept_table is not None:
                self.kept.append({"tbl": t.name, "entry": group[0]["id"], "record_id": rid})
            else:
                self.gone.setdefault(t.name, []).append(rid)

    def _write(self) -> None:
        form, conn = self.form, self.conn
        statements = form.statements       # the driver's executemany (engines/form/direct.py)
        for (table, _names), rows in self.updates.items():
            sql = form.sql[table]          # the SET clause: the rows' other keys
            stmt = statements.custom(("undo-update", table), lambda sql=sql: sql.update().where(
                sql.c.id == sa.bindparam("_rid")))
            statements.run_many(conn, stmt, rows)
        for (table, _names), rows in self.inserts.items():
            sql = form.sql[table]
            statements.run_many(conn, statements.custom(("undo-insert", table), lambda sql=sql: sql.insert()), rows)
        for table, records in self.joins.items():
            set_joins(form, conn, form.tables[table], records)
        if self.kept:
            conn.execute(self.kept_table.insert(), self.kept)
        for table, ids in self.gone.items():
            remove(form, conn, form.tables[table], ids)
