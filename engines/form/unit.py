"""What one unit of work remembers, shared by its writer and the child writers of its rules.

- Rows it has read or written, as the database returned them: a record is read once per unit of
  work, not once per rule that looks at it. The writer's own writes replace them (UPDATE/INSERT ...
  RETURNING), so a later read sees them. A row is `locked` when it came from a locking read or a
  write of this transaction: only those may stand in for a read FOR UPDATE (on PostgreSQL another
  transaction may change a row we read without a lock).
- Rollup and multi_link values it has computed, dropped when a write touches what they depend on.
- Audit and run-log rows, inserted with one executemany per table before the commit.
"""
from __future__ import annotations

from itertools import groupby
from types import MappingProxyType


_EMPTY = MappingProxyType({})       # stands in for a table with nothing kept


class UnitState:
    def __init__(self, flush_at_commit: bool = False):
        self.flush_at_commit = flush_at_commit     # RecordService.unit_of_work flushes before its commit
        # False: the rules engine runs no rules on this unit's writes (an import chosen "without
        # rules"); audit and ledgers are not subscribers of choice and always run
        self.run_rules = True
        # False: the audit log is not written (a simulation's scratch copy, thrown away unread)
        self.audited = True
        # (table, id) of the records a flow is moving in this unit: its lock lets their writes through
        self.flow_moving: set = set()
        # the expression context of the rules this unit runs (engines/rules/running.py makes it)
        self.evaluation = None
        # by table, so that dropping a table's rows or rollups never walks the others (a long import)
        self._rows: dict = {}          # table -> id -> [row dict, locked, decoded record or None]
        self._computed: dict = {}      # table -> (id, field) -> value
        self._pending: dict = {}       # sa.Table -> [row dicts]

    # -- rows ----------------------------------------------------------------------------------
    def row(self, table: str, rid, lock: bool = False):
        hit = self._rows.get(table, _EMPTY).get(rid)
        if hit is None or (lock and not hit[1]):
            return None
        return hit[0]

    def keep(self, table: str, row: dict, locked: bool) -> dict:
        rows = self._rows.setdefault(table, {})
        prev = rows.get(row["id"])
        rows[row["id"]] = [row, locked or (prev is not None and prev[1]), None]   # a lock lasts until commit
        return row

    def decoded(self, table: str, row: dict, decode) -> dict:
        """decode(row), once per kept row (the caller copies it before adding to it)."""
        hit = self._rows.get(table, _EMPTY).get(row["id"])
        if hit is None or hit[0] is not row:
            return decode(row)
        if hit[2] is None:
            hit[2] = decode(row)
        return hit[2]

    def drop(self, table: str, rid) -> None:
        self._rows.get(table, {}).pop(rid, None)
        computed = self._computed.get(table, {})
        for key in [k for k in computed if k[0] == rid]:
            del computed[key]

    def drop_table(self, table: str) -> None:
        """Rows of `table` changed behind the writer (the lots a debit consumed)."""
        self._rows.pop(table, None)

    def forget(self) -> None:
        """After a rollback to a savepoint: what was read or written since may be undone."""
        self._rows.clear()
        self._computed.clear()

    # -- computed values -----------------------------------------------------------------------
    def computed(self, table: str, key, missing=None):
        """A value computed for `key` ((record id, field)) of `table`, or `missing`."""
        return self._computed.get(table, _EMPTY).get(key, missing)

    def remember(self, table: str, key, value) -> None:
        self._computed.setdefault(table, {})[key] = value

    def wrote(self, form, table: str, columns=None) -> None:
        """`table` was written (`columns`; None: rows created or deleted): drop the rollups over it
        that depend on them."""
        deps = form.rollup_sources.get(table)
        if not deps:
            return
        for owner, name, link, measured in deps:
            if columns is None or link in columns or measured in columns:
                computed = self._computed.get(owner, {})
                for key in [k for k in computed if k[1] == name]:
                    del computed[key]

    # -- buffered inserts ------------------------------------------------------------------------
    def defer_insert(self, table, row: dict) -> None:
        self._pending.setdefault(table, []).append(row)

    def mark(self) -> dict:
        """Where the buffers stand, for `rewind` after a rollback to a savepoint (an import's row)."""
        return {table: len(rows) for table, rows in self._pending.items()}

    def rewind(self, mark: dict) -> None:
        """Drop what was buffered since `mark` and the rows kept since: a savepoint was rolled back."""
        for table, rows in self._pending.items():
            del rows[mark.get(table, 0):]
        self.forget()

    def adopt(self, other: "UnitState") -> None:
        """Take over `other`'s buffered rows (a savepoint released into a longer transaction)."""
        for table, rows in other._pending.items():
            self._pending.setdefault(table, []).extend(rows)
        other._pending = {}

    def flush(self, conn, statements) -> None:
        """The buffered rows, an executemany per table (and run of rows with the same columns, in order)."""
        pending, self._pending = self._pending, {}
        for table, rows in pending.items():
            stmt = statements.custom(("insert", table), table.insert)
            for _cols, run in groupby(rows, key=dict.keys):
                statements.run_many(conn, stmt, list(run))
