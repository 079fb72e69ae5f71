"""The dashboard pages' own words in both languages (kept beside the engine, like field types'
messages, so the report engine adds no entries to the form engine's catalog)."""
from __future__ import annotations

from types import MappingProxyType

from engines.common.labels import msg

WORDS = MappingProxyType({
    "dashboards": msg("Dashboards", "仪表盘"),
    "no_dashboards": msg("No dashboards for you here.", "这里没有你可以查看的仪表盘。"),
    "range": msg("Date range", "日期范围"),
    "from": msg("From", "从"),
    "to": msg("To", "到"),
    "apply": msg("Apply", "应用"),
    "all": msg("All", "全部"),
    "refresh_every": msg("Refreshes every {n} s", "每 {n} 秒自动刷新"),
    "download": msg("Download", "下载"),
    "last_7_days": msg("Last 7 days", "最近 7 天"),
    "last_30_days": msg("Last 30 days", "最近 30 天"),
    "last_90_days": msg("Last 90 days", "最近 90 天"),
    "last_12_months": msg("Last 12 months", "最近 12 个月"),
    "this_month": msg("This month", "本月"),
    "this_quarter": msg("This quarter", "本季度"),
    "this_year": msg("This year", "今年"),
    "no_chart": msg("This dashboard has no chart of that name.", "这个仪表盘没有这个图表。"),
    "no_dashboard": msg("No such dashboard.", "没有这个仪表盘。"),
})


def word(key: str, lang: str, **values) -> str:
    text = WORDS[key].get(lang)
    return text.format(**values) if values else text
