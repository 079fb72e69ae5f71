"""Link cells by title: a column for a link field takes the linked record's id, its title, or the value
of one of its unique fields (a member's phone), as a person would type it in a sheet.

The cell parser (cells.py, `by_title`) keeps a cell that is not an id as a `Title`; before a chunk is written, each
link field's titles are looked up with one query per candidate field (the title field, then the unique
fields, each value parsed by that field's type), among the records the person may read. A title no
record has, or that several records share, fails its row with the row, column and value.
"""
from __future__ import annotations

import sqlalchemy as sa

from engines.common.labels import msg
from engines.form.fields import FieldError
from engines.form.reading import scoped
from engines.form.transfer.cells import RowError, Title, shown


class LinkTitles:
    def __init__(self, form, table, reader, access=None):
        self.form, self.reader, self.access = form, reader, access
        self.links = {tg.name: tg.field for _i, tg, _p in reader.columns
                      if tg.kind == "field" and tg.field.type == "link"}
        self.candidates = {name: self._candidates(f.table) for name, f in self.links.items()}

    def _candidates(self, table):
        """The target's fields a title may be: its title field, then its unique fields (stored ones)."""
        t = self.form.tables[table]
        names = [t.title_field] + [n for n, f in t.fields.items() if f.unique and n != t.title_field]
        return [t.fields[n] for n in names
                if n in t.fields and self.form.ftype(t.fields[n]).stored and not self.form.ftype(t.fields[n]).computed]

    def resolve(self, conn, rows) -> None:
        """Replace each Title of `rows` by its record's id, or fail the row (row.errors)."""
        for name in self.links:
            values = [r.values.get(name) for r in rows]
            failed = self.resolve_column(conn, name, values, [r.number for r in rows])
            for k, r in enumerate(rows):
                if k in failed:
                    del r.values[name]
                    r.errors.append(failed[k])
                elif values[k] is not None:
                    r.values[name] = values[k]

    def resolve_column(self, conn, name, values, numbers) -> dict:
        """The same for one column of a chunk (the bulk path): each Title of `values` replaced by its
        record's id, in place, or by None; row index -> RowError for the latter."""
        f = self.links.get(name)
        wanted = {v.text for v in values if isinstance(v, Title)} if f is not None else ()
        if not wanted:
            return {}
        found, shared = self._lookup(conn, f.table, self.candidates[name], wanted)
        label = self.form.tables[f.table].label
        failed = {}
        for k, value in enumerate(values):
            if not isinstance(value, Title):
                continue
            if value.text in found:
                values[k] = found[value.text]
                continue
            values[k] = None
            if value.text in shared:
                why = msg(f"{shared[value.text]} records in '{label.en}' are called '{value.text}': give the id",
                          f"{label.zh} 中有 {shared[value.text]} 条记录叫“{value.text}”，请填写编号")
            else:
                why = msg(f"no record in '{label.en}' is called '{value.text}'",
                          f"{label.zh} 中没有叫“{value.text}”的记录")
            failed[k] = RowError(numbers[k], self.reader.column_of[name], shown(value.text), why)
        return failed

    def _lookup(self, conn, table, fields, wanted):
        """text -> id for the texts one record answers to; text -> how many, for those several share."""
        sql = self.form.sql[table]
        found, shared = {}, {}
        left = set(wanted)
        for f in fields:
            ftype = self.form.ftype(f)
            as_value = {}
            for text in left:
                try:
                    value = ftype.parse(f, text)
                except FieldError:
                    continue
                if value is not None:
                    as_value.setdefault(ftype.to_db(f, value), []).append(text)
            if not as_value:
                continue
            col = sql.c[f.name]
            stmt = scoped(sa.select(col, sa.func.count(), sa.func.min(sql.c.id)).where(col.in_(list(as_value)))
                          .group_by(col), self.access, table)
            for value, n, rid in conn.execute(stmt):
                for text in as_value.get(value, ()):
                    if n == 1:
                        found[text] = rid
                    else:
                        shared[text] = n
            left -= set(found) | set(shared)
            if not left:
                break
        return found, shared
