"""`tessera backup`: one app's definition, rows, counters, audit entries and uploads in one zip file."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import zipfile
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from runtime.backup.archive import (AUDIT_FILE, CHUNK, FORMAT, FORMAT_VERSION, MANIFEST, SEQUENCES_FILE,
                                    BackupError, json_line, link_file, lots_file, table_file, write_member)



def backup_app(platform, app_name: str, out_path) -> dict:
    """Write the backup of `app_name` to `out_path` (through a .part file, so that an interrupted
    backup never leaves a file that looks whole). Returns the manifest."""
    inst = platform.apps[app_name]
    app, form = inst.app, inst.form
    check_installed(platform.engine, form.sql)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app": app.name, "version": app.version,
        "definition_hash": app.definition_hash, "tessera_version": _tessera_version(),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "source_database": platform.engine.dialect.name,
        "definition": {}, "rows": {}, "users": {}, "roles": [], "media_files": 0, "files": {},
    }
    part = f"{out_path}.part"
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf, _snapshot(platform.engine) as conn:
            files, rows, users = manifest["files"], manifest["rows"], set()

            def member(name, chunks):
                files[name] = write_member(zf, name, chunks)

            manifest["definition"] = _definition(app, member)
            for name, table in form.sql.tables.items():
                member(table_file(name), _lines(conn, sa.select(table).order_by(table.c.id),
                                                rows, name, users, user_columns(app, name)))
            for (name, field), jt in form.sql.joins.items():
                member(link_file(name, field), _lines(conn, sa.select(jt).order_by(jt.c.source_id, jt.c.target_id),
                                                      rows, f"{name}.{field}"))
            for name, lt in form.sql.lots.items():
                member(lots_file(name), _lines(conn, sa.select(lt).order_by(lt.c.id), rows, f"{name}.lots"))
            seq = platform.sequences
            member(SEQUENCES_FILE, _lines(conn, sa.select(seq.c.tbl, seq.c.field, seq.c.period, seq.c.value)
                                          .where(seq.c.app == app.name), rows, "sequences"))
            audit = platform.audit.table
            member(AUDIT_FILE, _lines(conn, sa.select(*[c for c in audit.columns if c.name not in ("id", "app")])
                                      .where(audit.c.app == app.name).order_by(audit.c.id),
                                      rows, "audit", users, ("actor",)))
            roles = platform.auth["user_roles"]
            grants = conn.execute(sa.select(roles.c.user_id, roles.c.role).where(roles.c.app == app.name)
                                  .order_by(roles.c.user_id, roles.c.role)).all()
            users.update(g.user_id for g in grants)
            manifest["users"] = _usernames(conn, platform.system["users"], users)
            manifest["roles"] = [{"user": str(g.user_id), "role": g.role} for g in grants
                                 if str(g.user_id) in manifest["users"]]
            manifest["media_files"] = _media(platform.media_dir, app.name, member)
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(part, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(part)
    return manifest


def user_columns(app, table: str) -> tuple:
    """The columns of `table` holding platform user ids: who created and last changed a record, and
    every `user` field. Restore maps them by username."""
    return ("created_by", "updated_by") + tuple(f.name for f in app.tables[table].fields.values() if f.type == "user")


def check_installed(engine, sql_tables) -> None:
    """Refuse an app whose tables are missing or lack columns of the definition (not migrated)."""
    inspector = sa.inspect(engine)
    for table in list(sql_tables.tables.values()) + list(sql_tables.joins.values()):
        if not inspector.has_table(table.name):
            raise BackupError(f"the database has no table {table.name}: is the app installed there "
                              "(with this definition)?")
        missing = {c.name for c in table.columns} - {c["name"] for c in inspector.get_columns(table.name)}
        if missing:
            raise BackupError(f"table {table.name} lacks column(s) {', '.join(sorted(missing))} of the definition: "
                              "run `tessera migrate` first, or back up with the definition the data was made with")


@contextlib.contextmanager
def _snapshot(engine):
    """One read transaction for every table, so the rows agree with each other (links, counters)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _definition(app, member) -> dict:
    """The definition files as they are, with paths relative to the root file's folder."""
    root_dir = os.path.dirname(os.path.abspath(app.source))
    digest, names = hashlib.sha256(), []
    for path in app.files:
        raw = Path(path).read_bytes()
        digest.update(raw)
        rel = os.path.relpath(os.path.abspath(path), root_dir).replace(os.sep, "/")
        member(f"definition/{rel}", [raw])
        names.append(rel)
    if digest.hexdigest() != app.definition_hash:   # the hash is over the same bytes, in include order
        raise BackupError(f"{app.source} changed while the backup was being made; run it again")
    return {"root": names[0], "files": names}


def _lines(conn, stmt, rows: dict, key: str, users: set | None = None, user_cols=()):
    """JSON lines of a query's rows, read CHUNK rows at a time; counts them and notes user ids."""
    rows[key] = 0
    buffer = []
    for row in conn.execute(stmt.execution_options(yield_per=CHUNK)).mappings():
        rows[key] += 1
        for col in user_cols:
            if row[col] is not None:
                users.add(row[col])
        buffer.append(json_line(row))
        if len(buffer) >= CHUNK:
            yield b"".join(buffer)
            buffer = []
    yield b"".join(buffer)


def _usernames(conn, users_table, ids: set) -> dict:
    """{id: {username, display_name}} of the users the backup mentions (ids without a user are left out)."""
    found, ids = {}, sorted(ids)
    for start in range(0, len(ids), CHUNK):
        q = sa.select(users_table.c.id, users_table.c.username, users_table.c.display_name) \
            .where(users_table.c.id.in_(ids[start:start + CHUNK]))
        for row in conn.execute(q):
            found[str(row.id)] = {"username": row.username, "display_name": row.display_name}
    return found


def _media(media_dir: str, app_name: str, member) -> int:
    """The files under <media>/<app>/, stored as media/<app>/... (their path in records)."""
    count, top = 0, os.path.join(media_dir, app_name)
    for folder, dirs, names in os.walk(top):
        dirs.sort()
        for name in sorted(names):
            full = os.path.join(folder, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue        # uploads are plain files; a link could point anywhere
            rel = os.path.relpath(full, media_dir).replace(os.sep, "/")
            member(f"media/{rel}", _file_chunks(full))
            count += 1
    return count


def _file_chunks(path):
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            yield chunk


def _tessera_version() -> str:
    try:
        return metadata.version("tessera")
    except metadata.PackageNotFoundError:
        return "unknown"
