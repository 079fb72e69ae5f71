"""Table names the app's own pages and API take: a table of that name would be hidden behind them
(`/<app>/flows/5` is the flow named "5", not record 5 of a table `flows`), so the builder refuses them."""
from __future__ import annotations

TAKEN = {
    "pages": "the app's pages for people at /<app>/pages/",
    "inbox": "the task inbox at /<app>/inbox and /api/<app>/inbox",
    "flows": "the flow pages at /<app>/flows/<name>",
    "dashboards": "the dashboards at /<app>/dashboards/",
    "delegations": "the task delegations at /api/<app>/delegations",
}


def check_route_names(tables, report) -> None:
    for name in tables:
        if name in TAKEN:
            report(("tables", name), f"a table named '{name}' would be hidden by {TAKEN[name]}; "
                                     f"choose another name, such as 'my_{name}'", True)
