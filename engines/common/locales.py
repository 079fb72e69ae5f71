"""The two UI languages as Babel locales, and values formatted for a reader of one of them.

The code base speaks of languages as "zh" and "en" (labels, `lang` cookie, ?lang=); Babel and
Flask-Babel speak of locales. Simplified Chinese as used in mainland China is zh_Hans_CN; English
is plain "en" (CLDR's en-US data). Pages show values through these functions; the JSON API and
exports keep machine formats (ISO dates, plain decimals) and never come here.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import MappingProxyType

from babel import Locale
from babel.dates import format_date as _babel_date, format_time as _babel_time, get_datetime_format
from babel.numbers import format_currency, format_decimal

from engines.common.labels import DEFAULT_LANGUAGE, LANGUAGES

BABEL_LOCALES = MappingProxyType({"zh": "zh_Hans_CN", "en": "en"})
# The apps are Chinese businesses: their yuan is "¥" in either language (CLDR's English says "CN¥",
# to tell it from the yen, which these pages have no need of).
HOME_CURRENCY_SYMBOLS = MappingProxyType({"CNY": "¥"})


def babel_locale(lang: str | None) -> str:
    """The Babel locale name of a UI language ("zh" -> "zh_Hans_CN"); Chinese for anything unknown."""
    return BABEL_LOCALES.get(lang or "", BABEL_LOCALES[DEFAULT_LANGUAGE])


def lang_of(locale) -> str:
    """The UI language of a Babel locale (or locale name): "zh_Hans_CN" -> "zh"."""
    language = getattr(locale, "language", None) or str(locale or "").replace("-", "_").split("_")[0]
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def format_date(value: dt.date, lang: str) -> str:
    """2024年3月5日 / Mar 5, 2024 (CLDR's medium date)."""
    return _babel_date(value, "medium", locale=babel_locale(lang))


def format_time(value: dt.time, lang: str) -> str:
    """14:30 / 2:30 PM; seconds only when there are some."""
    return _babel_time(value, "medium" if value.second else "short", locale=babel_locale(lang))


def format_datetime(value: dt.datetime, lang: str, tz=None, seconds: bool = False) -> str:
    """2024年3月5日 14:30 / Mar 5, 2024, 2:30 PM, in the time zone `tz` (an aware value's own zone if None).

    The medium date with the short time: CLDR's medium date-time would add seconds nobody reads.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)      # stored naive UTC
    local = value.astimezone(tz) if tz is not None else value
    locale = babel_locale(lang)
    # tzinfo given explicitly: without it Babel would convert to the server's own zone
    time = _babel_time(local, "medium" if seconds else "short", tzinfo=local.tzinfo, locale=locale)
    day = _babel_date(local.date(), "medium", locale=locale)
    # the locale's way of joining the two, as Babel's own format_datetime does it
    return get_datetime_format("medium", locale=locale).replace("'", "").replace("{0}", time).replace("{1}", day)


def format_number(value, lang: str, places: int | None = None) -> str:
    """1,234,567.50: grouped, with exactly `places` decimals when given (a decimal field's scale)."""
    if places is None:
        return format_decimal(value, locale=babel_locale(lang), decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(value), format=pattern, locale=babel_locale(lang))


def format_money(value, currency: str, lang: str) -> str:
    """¥1,234.50 in both languages; other currencies as the locale writes them (US$1,234.50 / $1,234.50)."""
    locale = babel_locale(lang)
    symbol = HOME_CURRENCY_SYMBOLS.get(currency)
    if symbol is None:
        return format_currency(value, currency, locale=locale)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace("¤", f"'{symbol}'")
    return format_decimal(Decimal(value), format=pattern, locale=locale)
