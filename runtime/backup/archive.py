"""The backup file: a zip with manifest.json, the definition files, JSON lines per table and media files.

Layout (every name but the manifest is listed in the manifest with its SHA-256 and size):
    manifest.json              format, app, version, definition hash, created_at, row counts, checksums
    definition/<path>          the root definition and its includes, relative to the root's folder
    data/<table>.jsonl         one row a line, every column, ids included
    links/<table>.<field>.jsonl    multi_link join rows
    lots/<table>.jsonl         a ledger's lot consumption rows (which credits each debit used)
    platform/sequences.jsonl   the app's auto_number counters
    platform/audit.jsonl       the app's audit entries (without their ids: the target numbers them)
    media/<app>/...            the app's uploaded files, as they lie under the media folder
Values are written database-neutrally (decimals as strings, times ISO 8601, bytes base64) and read back
by the type of the column they go into, so a backup of SQLite restores into PostgreSQL and back.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zipfile
import zlib
from decimal import Decimal

import sqlalchemy as sa

FORMAT = "tessera-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1000                    # rows per read and per insert: memory stays flat on big tables
_READ = 1 << 20                 # bytes per read while checking a member


class BackupError(Exception):
    """A refused backup or restore; str(exc) is one line for the person who asked."""


# -- names -------------------------------------------------------------------------------------------
def table_file(table: str) -> str:
    return f"data/{table}.jsonl"


def link_file(table: str, field: str) -> str:
    return f"links/{table}.{field}.jsonl"


def lots_file(table: str) -> str:
    return f"lots/{table}.jsonl"


SEQUENCES_FILE = "platform/sequences.jsonl"
AUDIT_FILE = "platform/audit.jsonl"


def safe_relpath(path) -> str:
    """A relative 'a/b/c' path that cannot leave the folder it is joined to (zip-slip)."""
    if (not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or ":" in path
            or "\x00" in path or any(part in ("", ".", "..") for part in path.split("/"))):
        raise BackupError(f"the backup names an unsafe path {path!r}")
    return path


# -- values --------------------------------------------------------------------------------------------
def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):     # datetime is a date too
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} to a backup")


def json_line(row) -> bytes:
    return (json.dumps(dict(row), ensure_ascii=False, default=_plain, separators=(",", ":")) + "\n").encode()


def decoder(column: sa.Column):
    """How a value read from JSON becomes the column's Python value again (None: as it is)."""
    kind = column.type
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal
    for sql_type, parse in ((sa.DateTime, dt.datetime.fromisoformat), (sa.Date, dt.date.fromisoformat),
                            (sa.Time, dt.time.fromisoformat), (sa.LargeBinary, base64.b64decode)):
        if isinstance(kind, sql_type):
            return parse
    return None


def read_rows(zf: zipfile.ZipFile, name: str, table: sa.Table):
    """Yield the rows of one JSON lines member, decoded for `table`'s columns."""
    decoders = {c.name: decoder(c) for c in table.columns}
    with zf.open(name) as lines:
        for number, line in enumerate(lines, 1):
            try:
                row = json.loads(line)
                for key, value in row.items():
                    if key not in decoders:
                        raise ValueError(f"{table.name} has no column '{key}'")
                    if value is not None and decoders[key] is not None:
                        row[key] = decoders[key](value)
            except (ValueError, TypeError, AttributeError) as exc:
                raise BackupError(f"{name} line {number}: {exc}") from None
            yield row


def batches(rows, size: int = CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- writing ---------------------------------------------------------------------------------------
def write_member(zf: zipfile.ZipFile, name: str, chunks) -> dict:
    """Write one member from an iterable of bytes; return its checksum entry for the manifest."""
    digest, size = hashlib.sha256(), 0
    info = zipfile.ZipInfo(name, dt.datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as out:    # zip64: a table may pass 4 GB
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


# -- reading -----------------------------------------------------------------------------------------
def open_backup(path) -> tuple[zipfile.ZipFile, dict]:
    """Open a backup and check all of it (manifest, names, every member's size and checksum) before
    anything is written anywhere. Every way it can be wrong is one BackupError line."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"no file {path}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        if _starts_as_zip(path):    # the index sits at the end of a zip: a cut-off file loses it
            raise BackupError(f"{path} is damaged or cut off ({_reason(exc)})") from None
        raise BackupError(f"{path} is not a Tessera backup ({_reason(exc)})") from None
    try:
        manifest = _manifest(zf, path)
        _check_members(zf, manifest, path)
    except BaseException:
        zf.close()
        raise
    return zf, manifest


def _manifest(zf, path) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{path} is not a Tessera backup (it has no {MANIFEST})") from None
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"{path} is damaged: {MANIFEST} cannot be read ({_reason(exc)})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Tessera backup ({MANIFEST} is not a Tessera manifest)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(f"{path} was written by a newer Tessera (backup format {version}); "
                          f"this one reads format {FORMAT_VERSION}")
    for key, kind in (("app", str), ("version", str), ("created_at", str), ("definition_hash", str),
                      ("definition", dict), ("files", dict), ("rows", dict), ("users", dict), ("roles", list)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{path} is damaged: {MANIFEST} has no valid '{key}'")
    return manifest


def _check_members(zf, manifest, path) -> None:
    listed = manifest["files"]
    present = {info.filename for info in zf.infolist() if not info.is_dir()} - {MANIFEST}
    extra = sorted(present - set(listed))
    if extra:
        raise BackupError(f"{path} is damaged: {extra[0]} is not in its manifest")
    for name, expected in sorted(listed.items()):
        safe_relpath(name)
        if name not in present:
            raise BackupError(f"{path} is damaged: {name} is missing")
        digest, size = hashlib.sha256(), 0
        try:
            with zf.open(name) as member:
                while chunk := member.read(_READ):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise BackupError(f"{path} is damaged: {name} cannot be read ({_reason(exc)})") from None
        if not isinstance(expected, dict) or expected.get("sha256") != digest.hexdigest() \
                or expected.get("size") != size:
            raise BackupError(f"{path} is damaged: the checksum of {name} does not match its manifest")


def _starts_as_zip(path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
