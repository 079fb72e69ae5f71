"""Auto numbers rewound with the records: each counter of an auto_number field (tessera_sequences,
one per field and period) is set back to the highest number used before the cutoff, by the records
left and by the creates the audit log still holds (a record made and deleted before it included:
its number stays used). A replay of the same events then numbers its records as they were numbered
live, so an external event naming a card opened in the period by its number finds it."""
from __future__ import annotations

import json

import sqlalchemy as sa


def rewind_sequences(form, conn, audit) -> None:
    """On the scratch copy, after the writes since the cutoff are undone and their audit entries gone."""
    seq = form.sequences
    for tname, t in form.tables.items():
        for fname, f in t.fields.items():
            if f.type != "auto_number":
                continue
            read, used = form.ftype(f).number_reader(f), {}
            sql = form.sql[tname]
            numbers = list(conn.execute(sa.select(sql.c[fname]).where(sql.c[fname].is_not(None))).scalars())
            made = sa.and_(audit.c.app == form.name, audit.c.tbl == tname, audit.c.action == "create",
                           audit.c.changes.like(f'%"{fname}"%'))
            for (changes,) in conn.execute(sa.select(audit.c.changes).where(made)):
                value = json.loads(changes).get(fname)
                if isinstance(value, list) and len(value) == 2 and value[1] is not None:
                    numbers.append(value[1])
            for number in numbers:
                parsed = read(number)
                if parsed is not None:
                    period, n = parsed
                    used[period] = max(used.get(period, 0), n)
            mine = sa.and_(seq.c.app == form.name, seq.c.tbl == tname, seq.c.field == fname)
            conn.execute(seq.delete().where(mine))
            if used:
                conn.execute(seq.insert(), [{"app": form.name, "tbl": tname, "field": fname, "period": period,
                                             "value": n} for period, n in used.items()])
