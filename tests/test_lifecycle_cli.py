"""`tessera install | upgrade | uninstall` as a user runs them: what they print and their exit status."""
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

TESSERA = str(Path(sys.executable).parent / "tessera")

V1 = """
app: club
version: 1
tables:
  members:
    title_field: name
    fields:
      name:  {type: text, required: true}
      phone: {type: text}
"""
V2 = V1.replace("version: 1", "version: 2").replace(
    "      phone: {type: text}\n", "      mobile: {type: text, renamed_from: phone}\n      level: {type: integer}\n")
V3 = V2.replace("version: 2", "version: 3").replace("      mobile: {type: text, renamed_from: phone}\n", "")


def tessera(*args, db, cwd, stdin=None):
    r = subprocess.run([TESSERA, *args, "--db", db], capture_output=True, text=True, cwd=cwd, input=stdin, timeout=60)
    assert "Traceback" not in r.stderr, r.stderr
    return r


def test_install_upgrade_uninstall(tmp_path, db_url):
    app = tmp_path / "club.yaml"
    app.write_text(V1, encoding="utf-8")
    run = lambda *a, **kw: tessera(*a, db=db_url, cwd=tmp_path, **kw)  # noqa: E731

    r = run("install", "club.yaml")
    assert r.returncode == 0 and "+ new table club__members" in r.stdout
    assert "installed app 'club' version 1" in r.stdout
    r = run("install", "club.yaml")
    assert r.returncode == 1 and "already installed (version 1); use `tessera upgrade FILE`" in r.stderr
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO club__members (name, phone, created_at, updated_at) "
                             "VALUES ('张三', '13800138000', '2026-01-01', '2026-01-01')")

    app.write_text(V2, encoding="utf-8")
    r = run("upgrade", "club.yaml", "--plan")
    assert r.returncode == 0 and "(plan only: nothing was changed)" in r.stdout
    assert "~ rename field club__members.phone to mobile (its values are kept)" in r.stdout
    assert "+ new column club__members.level (BIGINT)" in r.stdout
    r = run("upgrade", "club.yaml")
    assert r.returncode == 0 and "upgraded app 'club' to version 2" in r.stdout
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, mobile FROM club__members").one() == ("张三", "13800138000")

    app.write_text(V3, encoding="utf-8")
    r = run("upgrade", "club.yaml")
    assert r.returncode == 1
    assert "! remove field club__members.mobile: 1 record(s) hold a value (needs --allow-destructive)" in r.stderr
    assert "error: app 'club' was not upgraded" in r.stderr and "--allow-destructive" in r.stderr
    r = run("run", "club.yaml", "--port", "1")                # a server start refuses the same way
    assert r.returncode == 1 and "remove field club__members.mobile" in r.stderr
    r = run("upgrade", "club.yaml", "--allow-destructive")
    assert r.returncode == 0 and "! remove field club__members.mobile: 1 record(s) hold a value\n" in r.stdout

    r = run("uninstall", "club")
    assert r.returncode == 0 and "its tables and records are kept" in r.stdout
    r = run("uninstall", "club", "--purge", stdin="n\n")       # asks first; no is no
    assert r.returncode == 1 and sa.inspect(engine).has_table("club__members")
    r = run("uninstall", "club", "--purge", "--yes")
    assert r.returncode == 0 and "purged app 'club': dropped 1 table(s): club__members" in r.stdout
    assert not sa.inspect(engine).has_table("club__members")
    engine.dispose()


def test_mistakes_are_one_clear_line(tmp_path, db_url):
    run = lambda *a: tessera(*a, db=db_url, cwd=tmp_path)  # noqa: E731
    r = run("upgrade", "missing.yaml")
    assert r.returncode == 1 and "missing.yaml" in r.stderr
    (tmp_path / "club.yaml").write_text(V1, encoding="utf-8")
    r = run("upgrade", "club.yaml")
    assert r.returncode == 1 and "error: app 'club' is not installed; use `tessera install FILE`" in r.stderr
    r = run("uninstall", "nope")
    assert r.returncode == 1 and "error: no app 'nope' is installed (installed: none)" in r.stderr
    (tmp_path / "bad.yaml").write_text(V1.replace("type: integer", "type: integr").replace("type: text}", "type: txt}"),
                                       encoding="utf-8")
    r = run("install", "bad.yaml")
    assert r.returncode == 1 and "bad.yaml:9:" in r.stderr and "unknown field type 'txt'" in r.stderr
