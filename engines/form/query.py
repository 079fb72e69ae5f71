"""List queries shared by pages, the API and exports: filters, search, sort, keyset pagination.

Keyset (cursor) pagination keeps every page as fast as the first, even a million rows in.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

import sqlalchemy as sa

from engines.common.labels import Label, msg
from engines.form.errors import RecordError
from engines.form.fields import FieldError
from engines.form.model import Table
from engines.form.reading import decode_row, load_join_values

RESERVED_PARAMS = {"q", "sort", "after", "before", "limit", "lang", "count", "format", "_"}
OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "contains", "in", "isnull")
MAX_LIMIT = 500


class BadQuery(RecordError):
    status = 400
    code = "bad_query"


@dataclass
class ListRequest:
    filters: list = field(default_factory=list)   # (field, op, value)
    q: str = ""
    sort: str = "-id"
    after: str | None = None
    before: str | None = None
    limit: int = 25

    @classmethod
    def parse(cls, form, t: Table, args: Mapping[str, Any], default_limit: int = 25) -> "ListRequest":
        """From query-string arguments; errors name the offending parameter."""
        req = cls(limit=default_limit)
        errors: dict[str, Label] = {}
        for key in args:
            if key in RESERVED_PARAMS or key.startswith("_"):
                continue
            value = args[key]
            name, _, op = key.partition("__")
            op = op or "eq"
            f = t.fields.get(name)
            if f is None and name not in ("id", "created_at", "updated_at"):
                errors[key] = msg("unknown field", "没有这个字段")
                continue
            if f is None:
                req.filters.append((name, op, value))
                continue
            if (value is None or str(value).strip() == "") and op != "isnull":
                continue  # an empty filter box filters nothing
            ftype = form.ftype(f)
            if op not in ftype.filter_ops or not ftype.stored or ftype.join_table:
                errors[key] = msg(f"cannot filter with '{op}'", f"不支持筛选条件 {op}")
                continue
            try:
                if op == "isnull":
                    operand = str(value).lower() in ("1", "true", "yes", "on")
                elif op == "in":
                    operand = [ftype.filter_value(f, op, v) for v in str(value).split(",") if v.strip()]
                else:
                    operand = ftype.filter_value(f, op, value)
            except FieldError as exc:
                errors[key] = exc.message
                continue
            req.filters.append((name, op, operand))
        req.q = str(args.get("q", "") or "").strip()[:200]
        sort = str(args.get("sort") or "-id")
        name = sort.lstrip("-")
        if name not in t.fields and name not in ("id", "created_at", "updated_at"):
            errors["sort"] = msg(f"unknown field '{name}'", f"没有字段 {name}")
        elif name in t.fields and not (form.ftype(t.fields[name]).sortable and form.ftype(t.fields[name]).stored
                                       and not form.ftype(t.fields[name]).join_table):
            errors["sort"] = msg(f"cannot sort by '{name}'", f"不能按 {name} 排序")
        else:
            req.sort = sort
        req.after, req.before = args.get("after") or None, args.get("before") or None
        if "limit" in args:
            try:
                req.limit = max(1, min(MAX_LIMIT, int(args["limit"])))
            except (TypeError, ValueError):
                errors["limit"] = msg("must be a whole number", "必须是整数")
        if errors:
            raise BadQuery(msg("invalid query parameters", "查询参数有误"), errors)
        return req


@dataclass
class Page:
    records: list
    total: int
    next_cursor: str | None
    prev_cursor: str | None


def where_clause(form, t: Table, req: ListRequest, hidden=frozenset()):
    sql = form.sql[t.name]
    conds = []
    for name, op, value in req.filters:
        col = sql.c[name]
        if name not in t.fields:
            conds.append(_system_condition(col, op, value))
            continue
        f = t.fields[name]
        if op == "isnull":
            conds.append(col.is_(None) if value else col.is_not(None))
        else:
            cond = form.ftype(f).sql_condition(f, col, op, value)
            if cond is not None:
                conds.append(cond)
    if req.q:
        like = "%" + req.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cols = [sql.c[n] for n, f in t.fields.items()
                if form.ftype(f).searchable and form.ftype(f).stored and n not in hidden]
        if cols:
            conds.append(sa.or_(*[c.ilike(like, escape="\\") for c in cols]))
    # no `WHERE 1 = 1`: SQLite evaluates it per row, making count(*) 2.5x slower
    return sa.and_(*conds) if conds else None


def _system_condition(col, op, value):
    try:
        v = int(value) if col.name == "id" else value
    except ValueError:
        raise BadQuery(msg("invalid id", "编号无效"), {col.name: msg("must be a whole number", "必须是整数")})
    return {"eq": col == v, "ne": col != v, "lt": col < v, "lte": col <= v, "gt": col > v,
            "gte": col >= v}.get(op, col == v)


def run_list(form, conn, t: Table, req: ListRequest, with_total: bool = True, access=None,
             condition=None) -> Page:
    """`access`: the person's permissions (their rows only, hidden fields neither shown nor usable
    to filter, search or sort by); None lists as the system. `condition`: a further SQL condition
    (a page component's own filter)."""
    sql = form.sql[t.name]
    hidden = frozenset()
    if access is not None:
        access.require(t.name, "read")
        hidden = access.hidden(t.name)
        _refuse_hidden(req, hidden)
    where = where_clause(form, t, req, hidden)
    scope = access.rows(t.name, "read") if access is not None else None
    for extra in (scope, condition):
        if extra is not None:
            where = extra if where is None else sa.and_(where, extra)
    desc = req.sort.startswith("-")
    name = req.sort.lstrip("-")
    col = sql.c[name]
    backwards = req.before is not None and req.after is None
    cursor = _decode(req.before if backwards else req.after)
    stmt = sa.select(sql)
    count = sa.select(sa.func.count()).select_from(sql)
    if where is not None:
        stmt, count = stmt.where(where), count.where(where)
    if cursor is not None:
        stmt = stmt.where(_beyond(col, sql.c.id, cursor, desc, backwards, name == "id"))
    go_desc = desc != backwards
    order = [col.desc() if go_desc else col.asc()]
    if name != "id":
        order = [col.is_(None).asc() if not backwards else col.is_(None).desc(), *order,
                 sql.c.id.desc() if go_desc else sql.c.id.asc()]
    rows = conn.execute(stmt.order_by(*order).limit(req.limit + 1)).mappings().all()
    more = len(rows) > req.limit
    rows = rows[:req.limit]
    if backwards:
        rows.reverse()
    records = [decode_row(form, t, r) for r in rows]
    load_join_values(form, conn, t, records, access)
    if hidden:
        records = [access.redact(t.name, r) for r in records]
    total = conn.execute(count).scalar_one() if with_total else -1
    first_key = _encode(rows[0], name) if rows else None
    last_key = _encode(rows[-1], name) if rows else None
    if backwards:
        next_c, prev_c = last_key, (first_key if more else None)
    else:
        next_c, prev_c = (last_key if more else None), (first_key if cursor is not None else None)
    return Page(records=records, total=total, next_cursor=next_c, prev_cursor=prev_c)


def _refuse_hidden(req: ListRequest, hidden) -> None:
    """A hidden field cannot be filtered or sorted on: the answers would reveal its values."""
    errors = {f"{name}__{op}" if op != "eq" else name: msg("unknown field", "没有这个字段")
              for name, op, _v in req.filters if name in hidden}
    if req.sort.lstrip("-") in hidden:
        errors["sort"] = msg(f"unknown field '{req.sort.lstrip('-')}'", f"没有字段 {req.sort.lstrip('-')}")
    if errors:
        raise BadQuery(msg("invalid query parameters", "查询参数有误"), errors)


def _beyond(col, id_col, cursor, desc, backwards, by_id):
    """Rows after the cursor in the list's order (NULLs last), or before it when going back."""
    value, last_id = cursor
    later = desc == backwards  # compare upwards?
    tie = id_col > last_id if later else id_col < last_id
    if by_id:
        return tie
    if value is None:  # the cursor is among the NULLs, which sort last
        return sa.and_(col.is_(None), tie) if not backwards else sa.or_(col.is_not(None), sa.and_(col.is_(None), tie))
    step = (col > value) if later else (col < value)
    cond = sa.or_(step, sa.and_(col == value, tie))
    return sa.or_(cond, col.is_(None)) if not backwards else cond


def _encode(row, name) -> str:
    value = row[name]
    if value is not None and not isinstance(value, (int, str, float, bool)):
        value = {"$": type(value).__name__, "v": str(value)}
    raw = json.dumps([value, row["id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token):
    if not token:
        return None
    try:
        value, rid = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if isinstance(value, dict):
            value = _revive(value["$"], value["v"])
        return value, int(rid)
    except (ValueError, TypeError, KeyError):
        raise BadQuery(msg("invalid page cursor", "分页参数无效"),
                       {"after": msg("invalid page cursor", "分页参数无效")}) from None


def _revive(kind, text):
    kinds = {"Decimal": Decimal, "date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat,
             "time": dt.time.fromisoformat}
    if kind not in kinds:
        raise ValueError(kind)
    return kinds[kind](text)
