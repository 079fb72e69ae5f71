"""`pages:` -> frozen Screens: the names a page and its components use are checked against the tables,
roles and dashboards, each problem reported at its key (the builder turns paths into file:line:col)."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable

from engines.common.labels import Label
from engines.common.problems import did_you_mean
from engines.form.screens.components import COMPONENTS
from engines.form.screens.model import Component, Screen


@dataclass
class CompileContext:
    """What a component's compile() may ask: the tables, the page's own table, and where to report."""
    tables: Any
    roles: tuple
    profile: str | None         # the user profile table (`user.<field>` in expressions)
    rules: tuple                # the app's compiled rules (buttons)
    reports: Any                # the app's datasets and dashboards, or None
    table: str | None           # the page's record's table, or None
    at: tuple                   # the component's options' path
    report: Callable
    ok: bool = True

    def problem(self, path, message, at_key=False) -> None:
        self.ok = False
        self.report(self.at + tuple(path), message, at_key)

    @staticmethod
    def label(spec) -> Label | None:
        """The component's own heading (`label:`), if it has one."""
        return Label.of(spec["label"]) if "label" in spec else None

    def sort_of(self, table: str, spec, default: str = "-id") -> str:
        """`sort:` (a field, '-' first for newest or largest first), checked against `table`."""
        sort = spec.get("sort", default)
        name = sort.lstrip("-")
        if name not in self.tables[table].fields and name not in ("id", "created_at", "updated_at"):
            self.problem(("sort",), f"'{table}' has no field '{name}' to sort by"
                                    f"{did_you_mean(name, self.tables[table].fields)}")
        return sort

    def table_named(self, name, path) -> str | None:
        if not isinstance(name, str) or name not in self.tables:
            self.problem(path, f"unknown table '{name}'{did_you_mean(str(name), self.tables)}")
            return None
        return name

    def fields_of(self, table: str, names, path) -> tuple:
        """The names that are fields of `table`; the others reported at their place in the list."""
        fields = self.tables[table].fields
        out = []
        for i, name in enumerate(names or ()):
            if name in fields:
                out.append(name)
            else:
                self.problem((*path, i), f"'{table}' has no field '{name}'{did_you_mean(name, fields)}")
        return tuple(out)

    def link_to(self, table: str, target: str, link, path) -> str | None:
        """The link field of `table` to `target`: `link` when given, else the only one there is."""
        t = self.tables[table]
        if link is not None:
            f = t.fields.get(link)
            if f is None or f.type != "link" or f.table != target:
                self.problem(path, f"'{table}' has no link field '{link}' to '{target}'")
                return None
            return link
        links = [n for n, f in t.fields.items() if f.type == "link" and f.table == target]
        if len(links) != 1:
            self.problem(path[:-1], f"'{table}' has {'no' if not links else 'more than one'} link to '{target}'"
                                    + ("" if not links else f" ({', '.join(links)}): say which with `link:`"))
            return None
        return links[0]


def compile_pages(raw, tables, roles, profile, rules, reports, report, invalid=frozenset()) -> MappingProxyType:
    if not isinstance(raw, dict):
        return MappingProxyType({})
    out = {}
    for name, spec in raw.items():
        at = ("pages", name)
        refused = [p for p in invalid if p[:2] == at]
        if not isinstance(spec, dict) or any(p[2:3] != ("components",) or len(p) < 4 for p in refused):
            continue                         # reported by the schema check
        # a component the schema refused is left out; the rest of the page is still checked
        skip = frozenset(p[3] for p in refused)
        screen = _screen(name, spec, (tables, roles, profile, rules, reports), report, at, skip)
        if screen is not None:
            out[name] = screen
    return MappingProxyType(out)


def _screen(name, spec, app, report, at, skip=frozenset()) -> Screen | None:
    tables, roles = app[0], app[1]
    ok = True
    for i, role in enumerate(spec.get("roles", ())):
        if role not in roles:
            report(at + ("roles", i), f"unknown role '{role}'{did_you_mean(role, roles)}")
            ok = False
    table = spec.get("table")
    if table is not None and table not in tables:
        report(at + ("table",), f"unknown table '{table}'{did_you_mean(table, tables)}")
        return None
    for_me = spec.get("for") == "me"
    if for_me and table is None:
        report(at + ("for",), "`for: me` needs `table:`, the table of the signed-in user's own record")
        return None
    if for_me and not _owned_by_user(tables[table]):
        report(at + ("for",), f"`for: me` needs '{table}' to have `owner:` set to one of its own `user` fields")
        ok = False
    components = []
    keys = [next(iter(c), None) if isinstance(c, dict) else None for c in spec["components"]]
    if "search" in keys and (for_me or keys.count("search") > 1):
        report(at + ("components", keys.index("search") if for_me else len(keys) - 1 - keys[::-1].index("search")),
               "a page finds its record once: one search box, and not with `for: me`", True)
        ok = False
    has_record = for_me or "search" in keys
    for i, item in enumerate(spec["components"]):
        if i in skip:
            ok = False
            continue
        key, options = next(iter(item.items()))
        module = COMPONENTS[key]
        path = at + ("components", i, key)
        if module.NEEDS_RECORD and not has_record:
            report(path, f"'{key}' shows the page's record: give the page `table:` and `for: me` or a search box",
                   True)
            ok = False
            continue
        if module.NEEDS_RECORD and table is None:
            report(at + ("components", i, key), f"'{key}' shows the page's record: give the page `table:`", True)
            ok = False
            continue
        cc = CompileContext(*app, table, path, report)
        compiled = module.compile(options or {}, cc)
        if compiled is None or not cc.ok:
            ok = False
            continue
        components.append(Component(key, compiled, i))
    if not ok:
        return None
    return Screen(name=name, label=Label.of(spec.get("label"), name), roles=tuple(spec["roles"]), table=table,
                  for_me=for_me, components=tuple(components), icon=spec.get("icon"))


def _owned_by_user(t) -> bool:
    return len(t.owner) == 1 and t.fields[t.owner[0]].type == "user"
