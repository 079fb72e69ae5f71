"""DirectExecutor (engines/form/direct.py) runs the write path's statements on SQLite's driver: it must
write and read what SQLAlchemy writes and reads, inside the same transaction (a rollback undoes it),
and fail as SQLAlchemy fails. Its own SQLite file in both test passes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engines.form.direct import DirectExecutor

AT = dt.datetime(2024, 3, 5, 14, 30)          # no microseconds: Python's own adapter would drop ".000000"


@pytest.fixture
def db(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'own.db'}")
    md = sa.MetaData()
    t = sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", sa.DateTime()),
                 sa.Column("day", sa.Date()), sa.Column("amount", sa.Numeric(12, 2)), sa.Column("ok", sa.Boolean()),
                 sa.Column("code", sa.Text(), unique=True))
    md.create_all(engine)
    yield engine, t
    engine.dispose()


def test_rows_written_and_read_as_sqlalchemy_does(db):
    engine, t = db
    direct = DirectExecutor(engine.dialect)
    insert = t.insert().returning(*t.c)
    update = t.update().where(t.c.id == sa.bindparam("_rid")).returning(*t.c)
    select = sa.select(t).where(t.c.id == sa.bindparam("_rid"))
    row = {"at": AT, "day": dt.date(2024, 3, 5), "amount": Decimal("12.50"), "ok": True, "code": "甲"}
    with engine.begin() as conn:
        made = direct.execute(conn, insert, row).one()
        conn.execute(t.insert(), {**row, "code": "乙"})
        raw = conn.exec_driver_sql("SELECT at, day, amount, ok, code FROM t ORDER BY id").all()
        assert raw[0][:4] == raw[1][:4] == ("2024-03-05 14:30:00.000000", "2024-03-05", 12.5, 1)
        assert made == {"id": 1, **row}
        assert direct.execute(conn, select, {"_rid": 2}).first() == dict(conn.execute(select, {"_rid": 2}).mappings().one())
        changed = direct.execute(conn, update, {"ok": False, "amount": None, "_rid": 1}).one()
        assert (changed["ok"], changed["amount"], changed["at"]) == (False, None, AT)
        assert direct.execute(conn, select, {"_rid": 99}).first() is None
        count = sa.select(sa.func.count()).select_from(t).where(t.c.ok == sa.bindparam("ok"))
        assert direct.execute(conn, count, {"ok": True}).scalar() == 1


def test_a_rollback_undoes_what_it_wrote(db):
    engine, t = db
    direct = DirectExecutor(engine.dialect)
    with pytest.raises(ZeroDivisionError), engine.begin() as conn:
        direct.execute(conn, t.insert().returning(t.c.id), {"code": "x"})
        1 / 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() == 0


def test_a_refused_write_is_sqlalchemys_integrity_error(db):
    engine, t = db
    direct = DirectExecutor(engine.dialect)
    insert = t.insert().returning(t.c.id)
    with engine.begin() as conn:
        direct.execute(conn, insert, {"code": "x"})
        with pytest.raises(sa.exc.IntegrityError, match="UNIQUE"):
            direct.execute(conn, insert, {"code": "x"})
        assert direct.execute(conn, insert, {"code": "y"}).scalar() == 2    # the transaction goes on


def test_outside_a_transaction_and_with_a_default_sqlalchemy_runs_it(db):
    """The driver would run a statement outside a transaction in autocommit; a column default
    computed in Python is SQLAlchemy's work at execution."""
    engine, t = db
    direct = DirectExecutor(engine.dialect)
    with engine.connect() as conn:
        assert direct.execute(conn, sa.select(sa.func.count()).select_from(t), {}).scalar() == 0
    md = sa.MetaData()
    d = sa.Table("d", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Integer, default=7))
    md.create_all(engine)
    with engine.begin() as conn:
        assert direct.execute(conn, d.insert().returning(d.c.n), {"id": 1}).scalar() == 7


def test_datetimes_are_written_as_sqlalchemy_writes_them(db):
    """The plan's own DATETIME binding (isoformat) gives SQLAlchemy's text for every kind of value it takes."""
    engine, t = db
    direct = DirectExecutor(engine.dialect)
    values = [dt.datetime(1, 1, 1), dt.datetime(999, 12, 31, 23, 59, 59, 999999), AT,
              dt.datetime(2026, 7, 1, 0, 0, 0, 5), dt.datetime(9999, 12, 31, 23, 59, 59, 1),
              dt.datetime(2026, 7, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8))), dt.date(2024, 3, 5), None]
    with engine.begin() as conn:
        for i, value in enumerate(values):
            direct.execute(conn, t.insert(), {"at": value, "code": f"d{i}"})
            conn.execute(t.insert(), {"at": value, "code": f"s{i}"})
        direct.execute_many(conn, t.insert(), [{"at": value, "code": f"m{i}"} for i, value in enumerate(values)])
        text = dict(conn.exec_driver_sql("SELECT code, at FROM t").all())
    for i in range(len(values)):
        assert text[f"d{i}"] == text[f"s{i}"] == text[f"m{i}"]
    assert text["d1"] == "0999-12-31 23:59:59.999999" and text["d5"] == "2026-07-01 08:00:00.000000"
