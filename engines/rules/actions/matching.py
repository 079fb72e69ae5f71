"""`where: {field: value, ...}` of the actions that find records (`for_each`, `find_or_create`): the
same conditions as the data functions (`count('t', field=value)`): a list means "one of", a record
stands for its id, None means "is empty". One parameterised query on the rule's connection."""
from __future__ import annotations

import sqlalchemy as sa

from engines.expr import ExpressionError
from engines.expr.data import bind_where, where_clauses   # the data functions' conditions, shared on purpose

WHERE_SCHEMA = {"type": "object", "maxProperties": 50,
                "additionalProperties": {"x-expected": "a value, or an expression starting with =",
                                         "type": ["string", "number", "boolean", "null", "array"]}}


def conditions(rc, where: dict) -> dict:
    """The `where:` values of this run (expressions evaluated)."""
    return {k: v.get(rc) for k, v in where.items()}


def matching_ids(rc, table: str, where: dict, limit: int, lock: bool = False) -> list[int]:
    """Ids of the records of `table` matching `where` (already evaluated), lowest first, at most `limit`.
    `lock` takes the rows' write locks (PostgreSQL), so two writes do not both act on one row."""
    form = rc.writer.form
    sql = form.sql[table]
    try:
        shape, params = bind_where(rc.eval, "where", table, sql, where)
    except ExpressionError as exc:
        rc.fail(str(exc))

    def build():
        stmt = sa.select(sql.c.id).where(*where_clauses(sql, shape)).order_by(sql.c.id).limit(limit)
        return stmt.with_for_update(key_share=True) if lock else stmt
    stmt = form.statements.custom(("matching", table, shape, limit, lock), build)
    return form.statements.run(rc.writer.conn, stmt, params).scalars()
