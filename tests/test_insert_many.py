"""RowInserter (engines/form/insert_many.py) writes what SQLAlchemy's own INSERT writes, byte for byte: on
SQLite it hands the driver the dialect's text forms itself. Its own SQLite file in both test passes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from engines.form.insert_many import RowInserter


def test_rows_as_sqlalchemy_writes_them(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'own.db'}")
    md = sa.MetaData()
    t = sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", sa.DateTime()),
                 sa.Column("day", sa.Date()), sa.Column("amount", sa.Numeric(12, 2)), sa.Column("ok", sa.Boolean()),
                 sa.Column("name", sa.Text()), sa.Column("by", sa.BigInteger()))
    md.create_all(engine)
    at = dt.datetime(2024, 3, 5, 14, 30)          # no microseconds: Python's own adapter would drop ".000000"
    rows = [{"id": 1, "day": dt.date(2024, 3, 5), "amount": Decimal("12.50"), "ok": True, "name": "甲"},
            {"id": 2, "day": None, "amount": None, "ok": False}]
    with engine.begin() as conn:
        RowInserter(t, engine.dialect).insert(conn, rows, {"at": at, "by": 7})
        conn.execute(t.insert(), [{**dict.fromkeys(c.name for c in t.c), **r, "id": r["id"] + 10, "at": at, "by": 7}
                                  for r in rows])
        raw = conn.exec_driver_sql("SELECT at, day, amount, ok, name, by FROM t ORDER BY id").all()
    assert raw[:2] == raw[2:]
    assert raw[0] == ("2024-03-05 14:30:00.000000", "2024-03-05", 12.5, 1, "甲", 7)
    engine.dispose()
