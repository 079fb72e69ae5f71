"""Adding to a definition whose tables hold data: the new tables, columns and indexes appear, nothing is lost."""
import pytest
import sqlalchemy as sa

from engines.form.errors import ValidationFailed
from runtime.migrate import plan

V1 = """
app: club
tables:
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
"""
V2 = V1 + """      phone: {type: phone, unique: true}
      level: {type: select, options: [a, b], default: a}
      store: {type: link, table: stores}
  stores:
    title_field: name
    fields:
      name: {type: text}
"""
V3 = V1  # back to the first version: phone, level, store and the stores table gone


def test_added_fields_and_tables_are_created_and_data_kept(make_platform):
    old = make_platform(V1)
    m = old.apps["club"].records.create("members", {"name": "张三"})
    old.dispose()
    new = make_platform(V2)
    inst = new.apps["club"]
    assert inst.records.get("members", m["id"])["name"] == "张三"
    assert inst.records.get("members", m["id"])["level"] is None   # a new column: empty on old rows
    store = inst.records.create("stores", {"name": "南山店"})
    inst.records.update("members", m["id"], {"phone": "13800138000", "store": store["id"]})
    with pytest.raises(ValidationFailed) as exc:              # the unique index came with the column
        inst.records.create("members", {"name": "李四", "phone": "13800138000"})
    assert exc.value.status == 409
    indexes = {i["name"] for i in sa.inspect(new.engine).get_indexes("club__members")}
    assert "ux_club__members__phone" in indexes
    assert plan(new.engine, new.metadata).additive == []      # nothing left to do


def test_removals_refuse_the_start_and_keep_the_data(make_platform):
    """A server start applies what is safe; a definition that drops fields holding data is refused
    (it takes `tessera upgrade --allow-destructive`, tests/test_lifecycle.py) and nothing is lost."""
    from runtime.lifecycle import LifecycleError
    v2 = make_platform(V2)
    m = v2.apps["club"].records.create("members", {"name": "a", "phone": "13800138000"})
    v2.dispose()
    with pytest.raises(LifecycleError) as refused:
        make_platform(V3)
    assert any(line.startswith("! remove field club__members.phone: 1 record(s) hold a value")
               for line in refused.value.lines), refused.value.lines
    assert "--allow-destructive" in str(refused.value)
    columns = {c["name"] for c in sa.inspect(v2.engine).get_columns("club__members")}
    assert "phone" in columns                                   # the data is still there
    assert make_platform(V2).apps["club"].records.get("members", m["id"])["phone"] == "+8613800138000"


def test_tessera_migrate_plans_then_applies(tmp_path, db_url):
    import subprocess
    import sys
    from pathlib import Path
    tessera = str(Path(sys.executable).parent / "tessera")
    app = tmp_path / "club.yaml"
    app.write_text(V1, encoding="utf-8")

    def migrate(*args):
        r = subprocess.run([tessera, "migrate", str(app), "--db", db_url, *args], capture_output=True, text=True)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        return r.stdout

    assert "+ new table club__members" in migrate("--plan")
    assert "+ new table club__members" in migrate()
    assert "the database matches the definitions" in migrate("--plan")
    app.write_text(V2, encoding="utf-8")
    out = migrate("--plan")
    assert "+ new column club__members.phone" in out and "+ new table club__stores" in out
    assert "applied" in migrate()
    assert "the database matches the definitions" in migrate("--plan")
