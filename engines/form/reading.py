"""Turning rows into records: decoded values, multi_link ids, lookups and rollups, link titles.

Everything here works on a whole page of records with one query per field, never one per row.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from engines.form.fields.link import LinkValue
from engines.form.model import SYSTEM_COLUMNS

_ROLLUP = {"count": sa.func.count, "sum": sa.func.sum, "avg": sa.func.avg, "min": sa.func.min, "max": sa.func.max}


def decode_row(form, t, row) -> dict:
    record = {k: row[k] for k in SYSTEM_COLUMNS}
    for k in ("created_at", "updated_at"):
        if record[k] is not None and record[k].tzinfo is None:
            record[k] = record[k].replace(tzinfo=dt.timezone.utc)
    for name, f, ftype in form.decoders[t.name]:
        value = row[name]
        record[name] = value if value is None or ftype is None else ftype.from_db(f, value)
    return record


def decode_changed(form, t, record, row, names) -> dict:
    """decode_row(form, t, row), given `record`, decoded from a row that differed only in `names`."""
    out = dict(record)
    decoders = form.decoder_index[t.name]
    for name in names:
        value = row[name]
        if name in ("created_at", "updated_at"):
            out[name] = value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value
        elif name in SYSTEM_COLUMNS:
            out[name] = value
        elif name in decoders:
            f, ftype = decoders[name]
            out[name] = value if value is None or ftype is None else ftype.from_db(f, value)
    return out


def load_join_values(form, conn, t, records, access=None) -> None:
    """Fill multi_link ids, lookups and rollups for a page of records. With `access`, lookups and
    rollups read only the rows that person may read: a sum never includes what they may not see."""
    if not records:
        return
    ids = [r["id"] for r in records]
    for name, f in t.fields.items():
        ftype = form.ftype(f)
        if ftype.join_table:
            jt = form.sql.joins[(t.name, name)]
            found = defaultdict(list)
            for src, tgt in conn.execute(sa.select(jt.c.source_id, jt.c.target_id)
                                         .where(jt.c.source_id.in_(ids)).order_by(jt.c.target_id)):
                found[src].append(tgt)
            for r in records:
                r[name] = found.get(r["id"], [])
    for name, f in t.fields.items():
        if f.type == "lookup":
            _lookup(form, conn, t, f, records, access)
        elif f.type == "rollup":
            _rollup(form, conn, t, f, records, access)


def scoped(stmt, access, table):
    """`stmt` limited to the rows of `table` that `access` may read (all of them without access)."""
    cond = access.rows(table, "read") if access is not None else None
    return stmt if cond is None else stmt.where(cond)


def _lookup(form, conn, t, f, records, access=None):
    link = t.fields[f.settings["link"]]
    target_t = form.table(link.table)
    target_f = target_t.fields[f.settings["field"]]
    ids = {r.get(link.name) for r in records} - {None}
    ids = {i.id if isinstance(i, LinkValue) else i for i in ids}
    values = {}
    if ids and form.ftype(target_f).stored and not form.ftype(target_f).join_table:
        sql = form.sql[link.table]
        stmt = scoped(sa.select(sql.c.id, sql.c[target_f.name]).where(sql.c.id.in_(ids)), access, link.table)
        for rid, v in conn.execute(stmt):
            values[rid] = None if v is None else form.ftype(target_f).from_db(target_f, v)
    for r in records:
        key = r.get(link.name)
        r[f.name] = values.get(key.id if isinstance(key, LinkValue) else key)


def _rollup(form, conn, t, f, records, access=None):
    src = form.sql[f.table]
    link = f.compiled  # the link field that rollup's compile step found or checked
    func = f.settings.get("function", "count")
    measure = _ROLLUP[func](src.c[f.settings["field"]]) if func != "count" else sa.func.count()
    ids = [r["id"] for r in records]
    stmt = scoped(sa.select(src.c[link], measure).where(src.c[link].in_(ids)), access, f.table)
    rows = conn.execute(stmt.group_by(src.c[link]))
    values = dict(rows.all())
    for r in records:
        v = values.get(r["id"])
        r[f.name] = (v or 0) if func in ("count", "sum") else v


def resolve_links(form, conn, t, records, access=None) -> None:
    """Replace link ids by LinkValue(id, title) for display, one query per link field. A person who
    may not read the target's title sees only the number."""
    for name, f in t.fields.items():
        if f.type not in ("link", "multi_link"):
            continue
        ids = set()
        for r in records:
            v = r.get(name)
            ids.update(v if isinstance(v, list) else [v] if v is not None else [])
        titles = link_titles(form, conn, f.table, ids, access) \
            if access is None or access.can_see_titles(f.table) else {}
        for r in records:
            v = r.get(name)
            if isinstance(v, list):
                r[name] = [LinkValue(i, titles.get(i, f"#{i}")) for i in v]
            elif v is not None:
                r[name] = LinkValue(v, titles.get(v, f"#{v}"))


def link_titles(form, conn, table, ids, access=None) -> dict:
    """id -> title of the records of `table` among `ids` (those `access` may read)."""
    if not ids:
        return {}
    t = form.table(table)
    sql = form.sql[table]
    title = t.title_field
    col = sql.c[title] if title in sql.c else sql.c.id
    out = {}
    for rid, v in conn.execute(scoped(sa.select(sql.c.id, col).where(sql.c.id.in_(list(ids))), access, table)):
        if title in t.fields and v is not None:
            f = t.fields[title]
            v = form.ftype(f).display(f, form.ftype(f).from_db(f, v))
        out[rid] = str(v) if v not in (None, "") else f"#{rid}"
    return out
