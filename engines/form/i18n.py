"""The gettext catalogs of the UI's fixed words, one per language, read once at import.

English is the source language (the msgids), so it needs no catalog. The same directory is the
Flask-Babel translation directory (runtime/languages.py), so `_()` in a template reads these too.
Catalogs are compiled by `pybabel compile` and committed; tests/test_languages.py checks that each
.mo says what its .po says.
"""
from __future__ import annotations

from gettext import NullTranslations
from pathlib import Path
from types import MappingProxyType

from babel.support import Translations

from engines.common.labels import DEFAULT_LANGUAGE, LANGUAGES
from engines.common.locales import babel_locale

CATALOG_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def load(lang: str) -> NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return NullTranslations()
    found = Translations.load(str(CATALOG_DIR), [babel_locale(lang)], DOMAIN)
    if not isinstance(found, Translations):     # Babel returns a silent NullTranslations
        raise RuntimeError(f"no compiled catalog for '{lang}' in {CATALOG_DIR}: run `make translations`")
    return found


# read-only after import, like the texts themselves
CATALOGS = MappingProxyType({lang: load(lang) for lang in LANGUAGES})


def catalog(lang: str) -> NullTranslations:
    """The catalog of `lang`; Chinese for anything that is not a known language."""
    return CATALOGS.get(lang) or CATALOGS[DEFAULT_LANGUAGE]
