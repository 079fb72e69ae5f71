"""System tables the form engine owns."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

_DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}   # the two with ON CONFLICT


def sequences_table(metadata: sa.MetaData) -> sa.Table:
    """Counters behind auto_number fields; one row per (app, table, field, period)."""
    if "tessera_sequences" in metadata.tables:
        return metadata.tables["tessera_sequences"]
    return sa.Table(
        "tessera_sequences", metadata,
        sa.Column("app", sa.String(40), primary_key=True),
        sa.Column("tbl", sa.String(63), primary_key=True),
        sa.Column("field", sa.String(63), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )


def next_sequence(conn, statements, app: str, table: str, field: str, period: str) -> int:
    """Increment in the database so two writers never get the same number: one upsert (INSERT ...
    ON CONFLICT DO UPDATE ... RETURNING), atomic on both databases, so neither a second read nor a
    savepoint for the first number of a period is needed."""
    def build():
        seq = statements.form.sequences
        insert = _DIALECT_INSERT[conn.dialect.name](seq).values(
            app=sa.bindparam("app"), tbl=sa.bindparam("tbl"), field=sa.bindparam("field"),
            period=sa.bindparam("period"), value=1)
        return insert.on_conflict_do_update(index_elements=[seq.c.app, seq.c.tbl, seq.c.field, seq.c.period],
                                            set_={"value": seq.c.value + 1}).returning(seq.c.value)
    stmt = statements.custom(("next_sequence",), build)
    return statements.run(conn, stmt, {"app": app, "tbl": table, "field": field, "period": period}).scalar_one()


def reserve_ids(conn, table: sa.Table, n: int) -> list[int]:
    """`n` new ids for `table`, for a bulk insert that writes them itself (no RETURNING per row). On
    SQLite the unit of work holds the write lock (BEGIN IMMEDIATE), so the next ids are free until its
    commit; on PostgreSQL they are drawn from the id column's sequence."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        stmt = sa.text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
        return list(conn.execute(stmt, {"t": table.name, "n": n}).scalars())
    top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    # AUTOINCREMENT never reuses an id, even of a deleted last row: sqlite_sequence remembers it
    seq = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}).scalar()
    start = max(top, seq or 0) + 1
    return list(range(start, start + n))
