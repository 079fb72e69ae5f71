"""Writing the quick replay's changes to the scratch copy: by net effect, an executemany per table and
column set (the new rows in the order they were made, then each changed row's last values), or,
when a constraint refuses that order (a row freed a unique name that a new one then took), every
write in the order it happened, as the record service made them. That order went through once,
live and in the record service's replay alike, so it goes through again."""
from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa

from engines.form.statements import RID


def write_ops(form, conn, ops: list, dirty: dict, rows: dict) -> None:
    """`ops`: ("insert" | "update", table, id, values) in order; `dirty`: table -> id -> the columns
    written since; `rows`: table -> id -> the row as it stands."""
    if not ops:
        return
    raw = conn.connection.driver_connection
    raw.execute("SAVEPOINT tessera_quick_flush")
    try:
        _by_net_effect(form, conn, ops, dirty, rows)
    except sa.exc.IntegrityError:
        raw.execute("ROLLBACK TO SAVEPOINT tessera_quick_flush")
        _runs(form, conn, ops)
    raw.execute("RELEASE SAVEPOINT tessera_quick_flush")


def _by_net_effect(form, conn, ops, dirty, rows) -> None:
    # new rows as they were made, in order (what they link to is there first); their later changes
    # go with the updates
    _runs(form, conn, [op for op in ops if op[0] == "insert"])
    statements = form.statements
    for table, changed in dirty.items():
        held = rows[table]
        groups: dict = {}
        for rid, cols in changed.items():
            groups.setdefault(tuple(sorted(cols)), []).append(rid)
        for cols, ids in groups.items():
            statements.run_many(conn, _update(form, table), [{**{c: held[rid][c] for c in cols}, RID: rid}
                                                             for rid in ids])


def _runs(form, conn, ops) -> None:
    """`ops` in order, an executemany per run of the same kind, table and columns."""
    statements = form.statements
    for (kind, table, _cols), run in groupby(ops, key=lambda op: (op[0], op[1], op[3].keys())):
        if kind == "insert":
            sql = form.sql[table]
            statements.run_many(conn, statements.custom(("quick-insert", table), lambda sql=sql: sql.insert()),
                                [values for _k, _t, _rid, values in run])
        else:
            statements.run_many(conn, _update(form, table), [{**values, RID: rid} for _k, _t, rid, values in run])


def _update(form, table):
    sql = form.sql[table]
    return form.statements.custom(("quick-update", table), lambda: sql.update().where(sql.c.id == sa.bindparam(RID)))
