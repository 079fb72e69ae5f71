"""Upgrading an installed app whose tables hold data: additions apply, renames keep the data, removals and
type changes wait for consent, SQLite rebuilds keep every row; uninstall keeps the data until --purge."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa

from builder import compile_app
from engines.form.errors import ValidationFailed
from runtime import lifecycle
from runtime.platform import Platform

V1 = """
app: club
version: "1.0"
tables:
  members:
    title_field: name
    fields:
      name:  {type: text, required: true}
      phone: {type: phone, unique: true}
      age:   {type: text}
      shop:  {type: link, table: shops}
      tags:  {type: multi_link, table: shops}
  shops:
    title_field: title
    fields:
      title: {type: text}
"""


def write(tmp_path, text, name="club.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def platform_for(db_url, tmp_path, text, **kw):
    """A platform serving the definition `text`, started as a server starts (safe changes only)."""
    return Platform.from_files([write(tmp_path, text, **kw)], db_url, media_dir=str(tmp_path / "media"))


def upgrade(db_url, tmp_path, text, allow_destructive=False):
    """`tessera upgrade` in-process: returns the platform serving the new definition."""
    platform = Platform(db_url, str(tmp_path / "media"))
    platform.prepare_system()
    inst = platform.add(compile_app(write(tmp_path, text)))
    lifecycle.upgrade(platform, inst, allow_destructive)
    return platform


@pytest.fixture
def club(db_url, tmp_path):
    """V1 installed with two members (one in a shop) and the shop."""
    platform = platform_for(db_url, tmp_path, V1)
    rec = platform.apps["club"].records
    shop = rec.create("shops", {"title": "南山店"})
    a = rec.create("members", {"name": "张三", "phone": "13800138000", "age": "12", "shop": shop["id"],
                               "tags": [shop["id"]]})
    b = rec.create("members", {"name": "李四", "phone": "13900139000", "age": "40"})
    platform.dispose()
    return {"shop": shop, "a": a, "b": b}


def columns(platform, table):
    return {c["name"] for c in sa.inspect(platform.engine).get_columns(table)}


def app_row(platform):
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(platform.system["apps"]).where(platform.system["apps"].c.name == "club")).one()


def test_an_added_field_appears_on_records_that_hold_data(club, db_url, tmp_path):
    v2 = V1.replace('version: "1.0"', 'version: "1.1"').replace(
        "      age:   {type: text}\n", "      age:   {type: text}\n      email: {type: email, unique: true}\n")
    platform = upgrade(db_url, tmp_path, v2)
    rec = platform.apps["club"].records
    kept = rec.get("members", club["a"]["id"])
    assert (kept["name"], kept["phone"], kept["shop"], kept["email"]) == ("张三", "+8613800138000", club["shop"]["id"], None)
    rec.update("members", club["a"]["id"], {"email": "zs@example.com"})
    with pytest.raises(ValidationFailed):                     # the new unique index came with it
        rec.update("members", club["b"]["id"], {"email": "zs@example.com"})
    row = app_row(platform)
    assert row.version == "1.1" and row.definition_hash == platform.apps["club"].app.definition_hash
    assert "email" in json.loads(row.snapshot)["tables"]["members"]["fields"]


def test_a_removal_is_refused_without_consent_and_applied_with_it(club, db_url, tmp_path):
    v2 = V1.replace("      phone: {type: phone, unique: true}\n", "")
    with pytest.raises(lifecycle.Refused) as refused:
        upgrade(db_url, tmp_path, v2)
    assert "! remove field club__members.phone: 2 record(s) hold a value (needs --allow-destructive)" \
        in refused.value.lines
    before = platform_for(db_url, tmp_path, V1)               # nothing was applied: V1 starts as it was
    assert before.apps["club"].records.get("members", club["a"]["id"])["phone"] == "+8613800138000"
    assert app_row(before).definition_hash == before.apps["club"].app.definition_hash
    before.dispose()

    platform = upgrade(db_url, tmp_path, v2, allow_destructive=True)
    assert "phone" not in columns(platform, "club__members")
    rec = platform.apps["club"].records
    assert rec.get("members", club["a"]["id"])["name"] == "张三"          # the other columns kept their data
    assert rec.get("members", club["a"]["id"])["shop"] == club["shop"]["id"]
    assert rec.create("members", {"name": "王五"})["id"] > club["b"]["id"]


def test_renamed_from_keeps_the_data_of_a_field_and_a_table(club, db_url, tmp_path):
    v2 = V1.replace("      name:  {type: text, required: true}", "      full_name: {type: text, required: true, renamed_from: name}") \
           .replace("title_field: name", "title_field: full_name") \
           .replace("      phone: {type: phone, unique: true}", "      mobile: {type: phone, unique: true, renamed_from: phone}") \
           .replace("shop:  {type: link, table: shops}", "store: {type: link, table: stores, renamed_from: shop}") \
           .replace("tags:  {type: multi_link, table: shops}", "labels: {type: multi_link, table: stores, renamed_from: tags}") \
           .replace("  shops:\n", "  stores:\n    renamed_from: shops\n")
    platform = upgrade(db_url, tmp_path, v2)                  # no consent needed: renames lose nothing
    rec = platform.apps["club"].records
    a = rec.get("members", club["a"]["id"])
    assert (a["full_name"], a["mobile"], a["store"], a["labels"]) == ("张三", "+8613800138000", club["shop"]["id"],
                                                                   [club["shop"]["id"]])
    assert rec.get("stores", club["shop"]["id"])["title"] == "南山店"
    assert {"name", "phone", "shop"}.isdisjoint(columns(platform, "club__members"))
    assert not sa.inspect(platform.engine).has_table("club__shops")
    with pytest.raises(ValidationFailed):                     # the unique index moved with the column
        rec.create("members", {"full_name": "重复", "mobile": "13800138000"})
    with pytest.raises(ValidationFailed):                     # the link still points at the renamed table
        rec.create("members", {"full_name": "x", "store": 999})


def test_a_type_change_converts_the_values_and_a_rebuild_keeps_every_row(club, db_url, tmp_path):
    rec_count = 2
    v2 = V1.replace("age:   {type: text}", "age:   {type: integer, min: 0}") \
           .replace("      shop:  {type: link, table: shops}\n", "")   # an indexed foreign key: SQLite rebuilds
    platform = upgrade(db_url, tmp_path, v2, allow_destructive=True)
    rec = platform.apps["club"].records
    assert rec.get("members", club["a"]["id"])["age"] == 12 and rec.get("members", club["b"]["id"])["age"] == 40
    with platform.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM club__members")).scalar_one() == rec_count
        assert conn.execute(sa.text("SELECT count(*) FROM club__members WHERE age > 20")).scalar_one() == 1
    assert "shop" not in columns(platform, "club__members")
    assert {"ux_club__members__phone", "ix_club__members__created_at"} <= \
        {i["name"] for i in sa.inspect(platform.engine).get_indexes("club__members")}
    with pytest.raises(ValidationFailed):                     # indexes survived the rebuild
        rec.create("members", {"name": "重复", "phone": "13800138000"})


def test_a_value_that_does_not_convert_refuses_everything(club, db_url, tmp_path):
    boot = platform_for(db_url, tmp_path, V1)
    boot.apps["club"].records.update("members", club["b"]["id"], {"age": "forty"})
    boot.dispose()
    v2 = V1.replace("age:   {type: text}", "age:   {type: integer}") \
           .replace("      name:  {type: text, required: true}", "      full_name: {type: text, renamed_from: name}") \
           .replace("title_field: name", "title_field: full_name") \
           .replace("      phone: {type: phone, unique: true}\n", "      phone: {type: phone, unique: true}\n      note: {type: text}\n")
    with pytest.raises(lifecycle.LifecycleError) as refused:
        upgrade(db_url, tmp_path, v2, allow_destructive=True)
    assert f"club__members.age from text to integer: 1 record(s) hold a value that does not convert: " \
           f"#{club['b']['id']} 'forty'" in str(refused.value)
    platform = platform_for(db_url, tmp_path, V1)             # nothing applied: no rename, no new column
    assert {"name", "age"} <= columns(platform, "club__members") and "note" not in columns(platform, "club__members")
    assert platform.apps["club"].records.get("members", club["a"]["id"])["age"] == "12"


def test_converted_values_that_collide_on_a_unique_field_refuse_everything(club, db_url, tmp_path):
    boot = platform_for(db_url, tmp_path, V1)
    boot.apps["club"].records.update("members", club["b"]["id"], {"age": "012"})   # 12 once converted, as is 张三's
    boot.dispose()
    v2 = V1.replace("age:   {type: text}", "age:   {type: integer, unique: true}") \
           .replace("      phone: {type: phone, unique: true}\n", "")
    with pytest.raises(lifecycle.LifecycleError, match="club__members.age is unique, and some converted values"):
        upgrade(db_url, tmp_path, v2, allow_destructive=True)
    platform = platform_for(db_url, tmp_path, V1)             # the columns dropped on the way are back
    assert {"phone", "age"} <= columns(platform, "club__members")
    assert platform.apps["club"].records.get("members", club["b"]["id"])["age"] == "012"


def test_uninstall_keeps_the_data_until_purge(club, db_url, tmp_path):
    platform = platform_for(db_url, tmp_path, V1)
    assert lifecycle.uninstall(platform, "club") == []
    platform.dispose()
    later = platform_for(db_url, tmp_path, V1)                # a server start no longer serves it
    assert "club" not in later.apps and "tessera install" in later.skipped[0]
    with pytest.raises(lifecycle.NotInstalled, match=r"was uninstalled \(its data is kept\); use `tessera install"):
        lifecycle.upgrade(later, later.build(compile_app(str(tmp_path / "club.yaml")), fresh=True))
    assert sa.inspect(later.engine).has_table("club__members")
    later.add(compile_app(str(tmp_path / "club.yaml")))
    lifecycle.install(later, later.apps["club"])              # back, onto the records it kept
    assert later.apps["club"].records.get("members", club["a"]["id"])["name"] == "张三"
    dropped = lifecycle.uninstall(later, "club", purge=True)
    assert set(dropped) == {"club__members", "club__shops", "club__members__tags"}
    names = set(sa.inspect(later.engine).get_table_names())
    assert not names & {"club__members", "club__shops"} and "tessera_apps" in names
    with later.engine.connect() as conn:
        assert conn.execute(sa.select(later.system["apps"])).all() == []


def test_a_database_from_before_snapshots_gains_the_columns(db_url, tmp_path):
    """tessera_apps as an earlier Tessera made it (no snapshot, no uninstalled_at): a start adds both."""
    engine, old = sa.create_engine(db_url), sa.MetaData()
    apps = sa.Table("tessera_apps", old, sa.Column("name", sa.String(40), primary_key=True),
                    sa.Column("version", sa.String(40), nullable=False),
                    sa.Column("definition_hash", sa.String(64), nullable=False),
                    sa.Column("source", sa.Text(), nullable=False),
                    *(sa.Column(c, sa.DateTime(), nullable=False) for c in ("installed_at", "updated_at")))
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(apps.insert().values(name="club", version="0.9", definition_hash="old", source="club.yaml",
                                          installed_at=dt.datetime(2025, 1, 1), updated_at=dt.datetime(2025, 1, 1)))
    engine.dispose()
    platform = platform_for(db_url, tmp_path, V1)
    row = app_row(platform)
    assert row.uninstalled_at is None and row.version == "1.0"
    assert set(json.loads(row.snapshot)["tables"]) == {"members", "shops"}
