"""The dashboard pages' own words, as gettext messages of the platform's catalog (docs/languages.md):
the English text is the msgid, the Chinese is in engines/form/translations/zh/LC_MESSAGES/messages.po.
To add one: a key and its `N_("English")` here, then `make translations` and the msgstr in the .po."""
from __future__ import annotations

from types import MappingProxyType

from engines.form.i18n import catalog
from engines.form.ui_text import N_

WORDS = MappingProxyType({
    "dashboards": N_("Dashboards"),
    "no_dashboards": N_("No dashboards for you here."),
    "range": N_("Date range"),
    "from": N_("From"),
    "to": N_("To"),
    "apply": N_("Apply"),
    "all": N_("All dates"),
    "any": N_("All"),
    "refresh_every": N_("Refreshes every {n} s"),
    "download": N_("Download"),
    "last_7_days": N_("Last 7 days"),
    "last_30_days": N_("Last 30 days"),
    "last_90_days": N_("Last 90 days"),
    "last_12_months": N_("Last 12 months"),
    "this_month": N_("This month"),
    "this_quarter": N_("This quarter"),
    "this_year": N_("This year"),
    "no_chart": N_("This dashboard has no chart of that name."),
    "no_dashboard": N_("No such dashboard."),
    "no_data": N_("Nothing to show for this range and these filters."),
    "loading": N_("Loading…"),
    "total": N_("Total"),
    "none": N_("(none)"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "previous_period": N_("{label} (previous period)"),
    "day": N_("Day"),
    "week": N_("Week"),
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "year": N_("Year"),
    "province": N_("Province"),
    "city": N_("City"),
    "region_part": N_("{label}: {part}"),
})


def word(key: str, lang: str, **values) -> str:
    text = catalog(lang).gettext(WORDS[key])
    return text.format(**values) if values else text
