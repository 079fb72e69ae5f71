"""Bilingual labels: a definition may give a plain string or {zh, en}."""
from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def get(self, lang: str | None = None) -> str:
        return self.en if lang == "en" else self.zh

    def __str__(self) -> str:
        return self.zh

    @classmethod
    def of(cls, value, fallback: str = "") -> "Label":
        """Build from a definition value: None, a string, or a {zh, en} mapping."""
        if value is None:
            text = fallback.replace("_", " ")
            return cls(zh=text, en=text)
        if isinstance(value, Label):
            return value
        if isinstance(value, str):
            return cls(zh=value, en=value)
        zh = value.get("zh") or value.get("en") or fallback
        en = value.get("en") or value.get("zh") or fallback
        return cls(zh=zh, en=en)


def msg(en: str, zh: str) -> Label:
    """A user-facing message in both languages."""
    return Label(zh=zh, en=en)
