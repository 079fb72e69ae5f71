"""The `ledger:` key of a table: its schema part and its compile step into a frozen Ledger.

    points_ledger:
      ledger:
        account: member          # link field to the account table
        amount: change           # signed integer (points) or money field
        balance: points          # the account table's field holding the balance (readonly there)
        expires: expires_on      # optional date/datetime: earnings become lots that expire
        overdraft: false         # default: a debit beyond the balance is refused
        balance_after: balance_after   # optional: the entry notes the balance it left
        available: available_on  # optional date/datetime: a credit dated later is pending until then
"""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from engines.common.problems import did_you_mean
from engines.form.model import Ledger

# columns the engine adds to an entries table (not fields: the record service never takes them as input)
SYSTEM_COLUMNS = ("ledger_key", "ledger_kind", "ledger_remaining", "ledger_reverses", "ledger_rule", "ledger_debt",
                  "ledger_pending")
AMOUNT_TYPES = ("integer", "money")
EXPIRY_TYPES = ("date", "datetime")

SCHEMA = {
    "type": "object", "required": ["account", "amount", "balance"], "additionalProperties": False,
    "description": "this table is a ledger: append-only entries whose amounts add up to a balance",
    "properties": {
        "account": {"type": "string", "description": "the link field to the account table"},
        "amount": {"type": "string", "description": "the signed integer or money field of an entry"},
        "balance": {"type": "string", "description": "the account table's field holding the balance"},
        "expires": {"type": "string", "description": "a date or datetime field: credits expire then"},
        "overdraft": {"type": "boolean", "description": "whether a debit may take the balance below zero"},
        "balance_after": {"type": "string", "description": "a field noting the balance an entry left"},
        "available": {"type": "string",
                      "description": "a date or datetime field: a credit dated later is pending until then"},
        "expiry_entry": {"type": "object", "maxProperties": 50,
                         "additionalProperties": {"type": ["string", "number", "boolean"]},
                         "description": "field values of the entries the expiry job writes ({reason: expiry})"},
    },
}


def table_properties() -> dict:
    return {"ledger": SCHEMA}


def compile_ledgers(raw_tables, tables: dict, report, invalid=frozenset()) -> dict:
    """Tables with their Ledger set; every problem reported at its path."""
    if not isinstance(raw_tables, dict):
        return tables
    out = dict(tables)
    balances = {}
    for name, t in tables.items():
        spec = raw_tables.get(name) if isinstance(raw_tables.get(name), dict) else {}
        raw = spec.get("ledger")
        path = ("tables", name, "ledger")
        if not isinstance(raw, dict) or any(p[:3] == path for p in invalid):
            continue
        ledger = _ledger(raw, t, tables, path, report)
        if ledger is None:
            continue
        owner = balances.setdefault((ledger.account_table, ledger.balance), name)
        if owner != name:
            report(path + ("balance",), f"'{ledger.account_table}.{ledger.balance}' is already the balance of "
                                        f"ledger '{owner}'; a balance belongs to one ledger")
            continue
        out[name] = replace(t, ledger=ledger)
    return out


def _ledger(raw, t, tables, path, report) -> Ledger | None:
    ok = True
    for clash in sorted(set(t.fields) & set(SYSTEM_COLUMNS)):
        report(("tables", t.name, "fields", clash), f"'{clash}' is a column the ledger adds; choose another name",
               True)
        ok = False

    def field(key, types, table=t):
        name = raw.get(key)
        if name is None:
            return None
        f = table.fields.get(name)
        if f is None:
            report(path + (key,), f"table '{table.name}' has no field '{name}'{did_you_mean(name, table.fields)}")
        elif f.type not in types:
            report(path + (key,), f"'{name}' is a {f.type} field; {key} takes a {' or '.join(types)} field")
            f = None
        return f

    account = field("account", ("link",))
    amount = field("amount", AMOUNT_TYPES)
    expires = field("expires", EXPIRY_TYPES)
    after = field("balance_after", AMOUNT_TYPES)
    available = field("available", EXPIRY_TYPES)
    if account is None or amount is None or account.table not in tables:
        return None
    balance = field("balance", AMOUNT_TYPES, tables[account.table])
    if balance is None:
        return None
    if balance.type != amount.type or (after is not None and after.type != amount.type):
        report(path + ("balance",), f"'{balance.name}' is a {balance.type} field and '{amount.name}' a "
                                    f"{amount.type} field; a balance, its amounts and balance_after share a type")
        ok = False
    if not balance.readonly:
        report(path + ("balance",), f"mark '{account.table}.{balance.name}' `readonly: true`: only the ledger "
                                    "changes a balance")
        ok = False
    extra = raw.get("expiry_entry") or {}
    for key in extra:
        if key not in t.fields:
            report(path + ("expiry_entry", key), f"table '{t.name}' has no field '{key}'{did_you_mean(key, t.fields)}")
            ok = False
    if not ok:
        return None
    return Ledger(account=account.name, account_table=account.table, amount=amount.name, balance=balance.name,
                  expires=expires.name if expires is not None else None, overdraft=bool(raw.get("overdraft")),
                  balance_after=after.name if after is not None else None,
                  expiry_entry=MappingProxyType(dict(extra)),
                  available=available.name if available is not None else None)


def balance_fields(tables) -> dict:
    """(account table, balance field) -> the ledger table that owns it."""
    return {(t.ledger.account_table, t.ledger.balance): t.name for t in tables.values() if t.ledger is not None}
