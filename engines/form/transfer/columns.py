"""What an import file may fill, and which of its columns fills what.

A target is a field of the table, or one of two import-only targets of a ledger whose balance lives on
this table: the balance itself (`points`: the cell becomes an opening ledger entry, since the balance
is readonly and only its ledger moves it) and `points.expires` (that entry's expiry). `id` is a
target too, used only as the key of an update.

Headers match a target by its name or its label in either language (case, spaces and a trailing `*`,
the template's "required" mark, do not matter). Unmatched columns are ignored unless mapped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engines.common.labels import Label, msg
from engines.form.errors import RecordError

NOT_IMPORTED = ("file", "image")      # uploads cannot travel in a cell
ID = "id"
EXPIRES = ".expires"


class BadMapping(RecordError):
    status = 400
    code = "bad_mapping"


@dataclass(frozen=True)
class Target:
    name: str              # field name, `id`, `<balance>` or `<balance>.expires`
    label: Label
    field: object          # the Field whose type parses the cell
    kind: str = "field"    # field | id | opening | expires
    ledger: str | None = None    # opening / expires: the entries table


def targets(form, table: str, access=None) -> dict[str, Target]:
    """name -> Target for `table`, as `access` may fill it (hidden fields are not offered)."""
    t = form.tables[table]
    hidden = access.hidden(table) if access is not None else frozenset()
    balances = form.balances.get(table, {})
    out = {ID: Target(ID, Label(zh="编号", en="ID"), None, "id")}
    for name, f in t.fields.items():
        ftype = form.ftype(f)
        if name in hidden or f.type in NOT_IMPORTED:
            continue
        if name in balances:
            led_table = form.tables[balances[name]]
            led = led_table.ledger
            out[name] = Target(name, f.label, led_table.fields[led.amount], "opening", led_table.name)
            if led.expires:
                out[name + EXPIRES] = Target(name + EXPIRES, Label(zh=f"{f.label.zh}有效期", en=f"{f.label.en} expire on"),
                                             led_table.fields[led.expires], "expires", led_table.name)
            continue
        if ftype.computed or not ftype.stored:
            continue
        out[name] = Target(name, f.label, f)
    return out


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).rstrip("*＊").casefold()


def match_headers(headers: list[str], available: dict[str, Target], explicit: dict[str, str] | None = None):
    """column index -> target name (None: ignored). `explicit`: header (or 1-based column number, or
    column letter) -> target name, "" to ignore. Raises BadMapping naming every problem."""
    explicit = dict(explicit or {})
    by_text = {}
    for tg in available.values():
        for text in (tg.name, tg.label.zh, tg.label.en):
            by_text.setdefault(normalise(text), tg.name)
    mapping: dict[int, str | None] = {}
    problems = []
    for i, header in enumerate(headers):
        chosen = _explicit_for(explicit, i, header)
        if chosen is not None:
            if chosen and chosen not in available:
                problems.append(msg(f"column '{header}': no field '{chosen}'", f"列“{header}”：没有字段 {chosen}"))
                continue
            mapping[i] = chosen or None
        else:
            mapping[i] = by_text.get(normalise(header)) if header else None
    for key in explicit:
        problems.append(msg(f"--map {key}: no such column in the file", f"--map {key}：文件中没有这一列"))
    seen: dict[str, int] = {}
    for i, name in mapping.items():
        if name is None:
            continue
        if name in seen:
            problems.append(msg(f"columns '{headers[seen[name]]}' and '{headers[i]}' both fill '{name}'",
                                f"列“{headers[seen[name]]}”和“{headers[i]}”都对应字段 {name}"))
        seen[name] = i
    if problems:
        raise BadMapping(msg("the columns cannot be matched: " + "; ".join(p.en for p in problems),
                             "列无法对应：" + "；".join(p.zh for p in problems)))
    return mapping


def _explicit_for(explicit, index, header):
    """The explicit choice for this column (and forget it, so leftovers are reported)."""
    letter = column_letter(index)
    for key in (header, str(index + 1), letter):
        if key in explicit:
            return explicit.pop(key)
    return None


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA: how a spreadsheet names a column."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def parse_map_options(items) -> dict[str, str]:
    """`COL=FIELD` pairs of the command line (`COL=` ignores a column)."""
    out = {}
    for item in items or ():
        col, sep, name = item.partition("=")
        if not sep or not col.strip():
            raise BadMapping(msg(f"--map '{item}': write COLUMN=FIELD (or COLUMN= to ignore it)",
                                 f"--map “{item}”：应写作 列=字段（或 列= 表示忽略）"))
        out[col.strip()] = name.strip()
    return out


def check_key(form, table: str, mode: str, key: str | None, mapping: dict, available) -> None:
    """Update and upsert find each row's record by a unique field (or id) that the file fills."""
    if mode == "insert":
        return
    if not key:
        raise BadMapping(msg(f"mode '{mode}' needs a key field (--key): a unique field or id",
                             f"{mode} 模式需要指定匹配字段（--key）：唯一字段或 id"))
    f = form.tables[table].fields.get(key)
    if key != ID and (f is None or not f.unique or key not in available):
        raise BadMapping(msg(f"key '{key}' is not a unique field of '{table}'", f"{key} 不是 {table} 的唯一字段"))
    if key not in mapping.values():
        raise BadMapping(msg(f"no column fills the key field '{key}'", f"没有列对应匹配字段 {key}"))
