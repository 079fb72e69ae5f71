"""A ledger survives backup and restore whole (entries, balances and which lots each spend used), and
`uninstall --purge` drops its lots table with the rest of the app."""
import datetime as dt

import sqlalchemy as sa

from engines.form.ledger.check import check_ledgers
from engines.form.ledger.post import post
from runtime import lifecycle
from runtime.backup.dump import backup_app
from runtime.backup.load import restore_backup
from runtime.platform import Platform

APP = """
app: bank
tables:
  members:
    title_field: name
    fields:
      name: {type: text}
      points: {type: integer, default: 0, readonly: true}
  entries:
    ledger: {account: member, amount: change, balance: points, expires: expires_on}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      expires_on: {type: date}
"""


def lots_rows(platform):
    lots = platform.apps["bank"].form.sql.lots["entries"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(lots.c.id, lots.c.entry_id, lots.c.lot_id, lots.c.amount)
                            .order_by(lots.c.id)).all()


def test_backup_and_restore_keep_the_lots_and_purge_drops_them(tmp_path, db_url):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bank.yaml").write_text(APP, encoding="utf-8")
    src = Platform.from_files([tmp_path / "src" / "bank.yaml"], f"sqlite:///{tmp_path / 'src.db'}",
                              media_dir=str(tmp_path / "m1"))
    inst = src.apps["bank"]
    m = inst.records.create("members", {"name": "张三"})
    with inst.records.unit_of_work(source="system") as w:
        post(w, "entries", m["id"], 100, expires=dt.date(2030, 1, 1))
        post(w, "entries", m["id"], 50, expires=dt.date(2029, 1, 1))
        post(w, "entries", m["id"], -70)                  # 50 from the sooner lot, 20 from the other
    before = lots_rows(src)
    assert [(e, lot, amount) for _, e, lot, amount in before] == [(3, 2, 50), (3, 1, 20)]
    manifest = backup_app(src, "bank", tmp_path / "bank.zip")
    assert manifest["rows"]["entries.lots"] == 2
    src.dispose()

    restore_backup(str(tmp_path / "bank.zip"), db_url, str(tmp_path / "m2"), str(tmp_path / "dst"))
    dst = Platform.from_files([tmp_path / "dst" / "bank.yaml"], db_url, media_dir=str(tmp_path / "m2"))
    try:
        assert lots_rows(dst) == before
        assert check_ledgers(dst.apps["bank"].form) == []
        assert dst.apps["bank"].records.get("members", m["id"])["points"] == 80
        dropped = lifecycle.uninstall(dst, "bank", purge=True)
        assert "bank__entries__lots" in dropped and dropped.index("bank__entries__lots") < dropped.index("bank__entries")
        assert not {"bank__entries__lots", "bank__entries"} & set(sa.inspect(dst.engine).get_table_names())
    finally:
        dst.dispose()
