"""`tessera restore`: check a backup whole, then install its definition, rows, counters, audit and uploads.

Order, so that a refused restore writes nothing of the app: the whole file is checked (checksums,
manifest, the definition compiles to the hash it names), then the files it would write, the database's
data of the app and the schema change installing it; only then are the definition files written, the app
installed or upgraded (runtime/lifecycle), its rows loaded in one transaction and its media files written.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass

import sqlalchemy as sa

from builder import BuildFailed, compile_app
from runtime import lifecycle
from runtime.backup.archive import (AUDIT_FILE, SEQUENCES_FILE, BackupError, batches, link_file, open_backup,
                                    lots_file, read_rows, safe_relpath, table_file)
from runtime.backup.dump import user_columns
from runtime.database import write_transaction
from runtime.platform import Platform


@dataclass
class Restored:
    manifest: dict
    definition: str                     # where the root definition file now is
    written: list                       # files written (definition and media); identical ones are left alone
    created_users: list                 # usernames the target did not have: created without a password
    audit_added: int                    # 0 when the database had audit entries of the app (kept as they are)


def restore_backup(path, database_url: str, media_dir: str = "var/media", to_dir: str = "apps",
                   replace: bool = False) -> Restored:
    zf, manifest = open_backup(path)
    with zf, tempfile.TemporaryDirectory() as tmp:
        app = _compile(zf, manifest, path, tmp)
        definition = {f"definition/{rel}": os.path.join(to_dir, rel) for rel in manifest["definition"]["files"]}
        outputs = {**definition, **_media_targets(manifest, media_dir)}
        to_write = _unchanged_or_refuse(outputs, manifest["files"], replace)
        root = definition[f"definition/{manifest['definition']['root']}"]
        platform = Platform(database_url, media_dir)
        try:
            inst = platform.add(dataclasses.replace(app, source=root, files=tuple(definition.values())))
            _refuse_data(platform, inst, replace)
            platform.prepare_system()
            install = _installer(platform, inst, replace)
            for name in to_write:       # the definition first: the app is recorded as installed from it
                if name in definition:
                    _extract(zf, name, outputs[name])
            try:
                install(platform, inst, allow_destructive=replace)
            except lifecycle.LifecycleError as exc:
                raise BackupError(str(exc)) from None
            created, audit_added = _load(platform, inst, zf, manifest, replace)
            for name in to_write:
                if name not in definition:
                    _extract(zf, name, outputs[name])
        finally:
            platform.dispose()
    return Restored(manifest=manifest, definition=root, written=[outputs[n] for n in to_write],
                    created_users=created, audit_added=audit_added)


# -- checks before anything is written -------------------------------------------------------------------
def _compile(zf, manifest, path, tmp):
    files = manifest["definition"].get("files")
    if (not isinstance(files, list) or not files or manifest["definition"].get("root") != files[0]
            or any(f"definition/{rel}" not in manifest["files"] for rel in files)):
        raise BackupError(f"{path} is damaged: its manifest lists no definition")
    for rel in files:
        target = os.path.join(tmp, safe_relpath(rel))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(zf.read(f"definition/{rel}"))
    try:
        app = compile_app(os.path.join(tmp, files[0]))
    except BuildFailed as exc:
        first = str(exc.errors[0]).replace(tmp + os.sep, "")
        raise BackupError(f"the definition in {path} does not compile: {first}") from None
    if (app.name, app.definition_hash, len(app.files)) != (manifest["app"], manifest["definition_hash"], len(files)):
        raise BackupError(f"{path} is damaged: its definition is not the one its manifest names")
    return app


def _media_targets(manifest, media_dir) -> dict:
    prefix = f"media/{manifest['app']}/"
    media = {name: os.path.join(media_dir, name[len("media/"):])
             for name in manifest["files"] if name.startswith("media/")}
    if any(not name.startswith(prefix) for name in media):
        raise BackupError(f"the backup holds media files outside the folder of app '{manifest['app']}'")
    return media


def _unchanged_or_refuse(outputs: dict, checksums: dict, replace: bool) -> list:
    """The members to write: files already there with the same bytes are skipped; a file that differs
    is overwritten only with --replace."""
    to_write = []
    for name, target in outputs.items():
        if os.path.isdir(target):
            raise BackupError(f"{target} is a folder; the backup would write a file there")
        if os.path.exists(target):
            with open(target, "rb") as fh:
                if hashlib.file_digest(fh, "sha256").hexdigest() == checksums[name]["sha256"]:
                    continue
            if not replace:
                hint = " (or restore the definition elsewhere with --to DIR)" \
                    if name.startswith("definition/") else ""
                raise BackupError(f"{target} already exists and differs from the backup's copy; "
                                  f"--replace overwrites it{hint}")
        to_write.append(name)
    return to_write


def _refuse_data(platform, inst, replace: bool) -> None:
    if replace:
        return
    inspector = sa.inspect(platform.engine)
    with platform.engine.connect() as conn:
        held = [name for name, table in inst.form.sql.tables.items()
                if inspector.has_table(table.name) and conn.execute(sa.select(table.c.id).limit(1)).first()]
    if held:
        raise BackupError(f"the database already holds records of app '{inst.app.name}' (in {', '.join(held)}); "
                          "--replace empties its tables first")


def _installer(platform, inst, replace: bool):
    """Install the app, or upgrade it where it is installed. A change that would remove or convert data
    (the installed definition is not the backup's) is refused here, before anything is written, unless
    --replace: its rows are replaced anyway."""
    row = lifecycle.installed_rows(platform).get(inst.app.name)
    if row is None or row.uninstalled_at is not None:
        return lifecycle.install
    steps = lifecycle.plan(platform, inst).needing_consent()
    if steps and not replace:
        raise BackupError(f"app '{inst.app.name}' is installed here with a definition that differs from the "
                          f"backup's in {len(steps)} way(s) that would remove or convert data "
                          f"(first: {steps[0].text}); --replace applies them")
    return lifecycle.upgrade


# -- loading -------------------------------------------------------------------------------------------------
def load_order(tables) -> tuple[list, dict]:
    """Tables ordered so that links point at tables loaded before; the link fields that cannot
    (a table linking to itself, two tables linking to each other) are filled in after all rows are in."""
    links = {t.name: [(f.name, f.table) for f in t.fields.values() if f.type == "link"] for t in tables.values()}
    order, left = [], list(tables)
    while left:
        ready = next((n for n in left if all(target in order or target == n for _, target in links[n])), left[0])
        order.append(ready)
        left.remove(ready)
    deferred = {n: [f for f, target in links[n] if order.index(target) >= order.index(n)] for n in order}
    return order, deferred


def _load(platform, inst, zf, manifest, replace: bool) -> tuple[list, int]:
    app, sql = inst.app, inst.form.sql
    order, deferred = load_order(app.tables)
    with write_transaction(platform.engine) as conn:
        users, created = _map_users(conn, platform.system["users"], manifest["users"])
        if replace:
            _empty(conn, sql, order, deferred)
        for name in order:
            late = {c: None for c in deferred[name]}
            _insert(conn, zf, manifest, table_file(name), name, sql.tables[name],
                    lambda row, cols=user_columns(app, name), late=late: {**_map(row, cols, users), **late})
        for name in order:
            if deferred[name]:
                _fill_deferred(conn, zf, sql.tables[name], name, deferred[name])
        for (name, field), jt in sql.joins.items():
            _insert(conn, zf, manifest, link_file(name, field), f"{name}.{field}", jt)
        for name, lt in sql.lots.items():      # after the entries they point at
            if lots_file(name) in zf.namelist():   # backups made before lots were saved have none
                _insert(conn, zf, manifest, lots_file(name), f"{name}.lots", lt)
        _counters(conn, zf, platform.sequences, app.name)
        # the audit log is only ever added to: the backup's entries go in where the app has none here
        # (restoring into the database the backup came from would list them all twice)
        audit, audit_added = platform.audit.table, 0
        if not conn.execute(sa.select(audit.c.id).where(audit.c.app == app.name).limit(1)).first():
            _insert(conn, zf, manifest, AUDIT_FILE, "audit", audit,
                    lambda row: {**_map(row, ("actor",), users), "app": app.name})
            audit_added = manifest["rows"].get("audit", 0)
        _grant(conn, platform.auth["user_roles"], app, manifest["roles"], users)
        _move_sequences(conn, [*sql.tables.values(), *sql.lots.values()])
    return created, audit_added


def _insert(conn, zf, manifest, member, key, table, transform=None) -> None:
    count = 0
    rows = read_rows(zf, member, table)
    for batch in batches(map(transform, rows) if transform else rows):
        _execute(conn, member, table.insert(), batch)
        count += len(batch)
    if count != manifest["rows"].get(key):
        raise BackupError(f"{member} has {count} rows, its manifest says {manifest['rows'].get(key)}; "
                          "no data was restored")


def _fill_deferred(conn, zf, table, name, cols) -> None:
    stmt = table.update().where(table.c.id == sa.bindparam("_id")) \
        .values({c: sa.bindparam(f"_v_{c}") for c in cols})
    rows = ({"_id": r["id"], **{f"_v_{c}": r.get(c) for c in cols}}
            for r in read_rows(zf, table_file(name), table) if any(r.get(c) is not None for c in cols))
    for batch in batches(rows):
        _execute(conn, table_file(name), stmt, batch)


def _execute(conn, member, stmt, batch) -> None:
    try:
        conn.execute(stmt, batch)
    except sa.exc.DBAPIError as exc:    # a constraint or a type of this database refused a value
        raise BackupError(f"{member}: the database refused a row ({_first_line(exc)}); "
                          "no data was restored") from None


def _empty(conn, sql, order, deferred) -> None:
    """--replace: remove the app's rows (links first, so that no delete is refused). Counters and the
    audit log are not emptied: see _counters and _load."""
    for jt in [*sql.joins.values(), *sql.lots.values()]:
        conn.execute(jt.delete())
    for name in order:
        if deferred[name]:
            conn.execute(sql.tables[name].update().values({c: None for c in deferred[name]}))
    for name in reversed(order):
        conn.execute(sql.tables[name].delete())


def _counters(conn, zf, seq, app_name) -> None:
    """auto_number counters become the larger of the backup's and the database's: a number given out
    once (say, after the backup was made) is never given out again."""
    for row in read_rows(zf, SEQUENCES_FILE, seq):
        key = sa.and_(seq.c.app == app_name, seq.c.tbl == row["tbl"], seq.c.field == row["field"],
                      seq.c.period == row["period"])
        current = conn.execute(sa.select(seq.c.value).where(key)).scalar()
        if current is None:
            conn.execute(seq.insert().values(**row, app=app_name))
        elif current < row["value"]:
            conn.execute(seq.update().where(key).values(value=row["value"]))


def _map_users(conn, users_table, listed: dict) -> tuple[dict, list]:
    """Backup user id -> this database's id of the user with the same username; users it lacks are
    created without a password (they sign in once `tessera users passwd NAME` gives them one)."""
    if not all(isinstance(u, dict) and isinstance(u.get("username"), str) for u in listed.values()):
        raise BackupError("the backup's list of users is damaged")
    by_name = {u["username"]: old for old, u in listed.items()}
    mapping, created, names = {}, [], sorted(by_name)
    for start in range(0, len(names), 500):
        q = sa.select(users_table.c.id, users_table.c.username) \
            .where(users_table.c.username.in_(names[start:start + 500]))
        for row in conn.execute(q):
            mapping[by_name[row.username]] = row.id
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for old, user in listed.items():
        if old not in mapping:
            mapping[old] = conn.execute(users_table.insert().values(
                username=user["username"], display_name=user.get("display_name"), created_at=now)
            ).inserted_primary_key[0]
            created.append(user["username"])
    return mapping, sorted(created)


def _map(row: dict, cols, users: dict) -> dict:
    """User ids of the backup's database -> ids here; an id whose user was not found there becomes empty."""
    for col in cols:
        if row.get(col) is not None:
            row[col] = users.get(str(row[col]))
    return row


def _grant(conn, user_roles, app, roles, users) -> None:
    """Add the backup's role grants of this app (grants the target already has are kept)."""
    held = set(conn.execute(sa.select(user_roles.c.user_id, user_roles.c.role)
                            .where(user_roles.c.app == app.name)).all())
    for grant in roles:
        uid, role = users.get(str(grant.get("user"))), grant.get("role")
        if uid is not None and role in app.roles and (uid, role) not in held:
            conn.execute(user_roles.insert().values(user_id=uid, app=app.name, role=role))
            held.add((uid, role))


def _move_sequences(conn, tables) -> None:
    """PostgreSQL: set each table's id sequence past the largest restored id, or new records would collide.
    (SQLite continues after the largest id by itself.)"""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        top = sa.select(sa.func.max(table.c.id)).scalar_subquery()
        conn.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"),
                                              sa.func.coalesce(top, 1), top.is_not(None))))


def _extract(zf, name, target) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    part = f"{target}.part"
    with zf.open(name) as src, open(part, "wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    os.replace(part, target)


def _first_line(exc) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
