"""The recruiter pages' texts in Swedish and English, and which of them a request gets."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import cast

from server.models.check import LOCALES, Locale

CATALOGS = Path(__file__).resolve().parent / "i18n"
WIDGET_CATALOGS = Path(__file__).resolve().parents[3] / "widget" / "i18n"
LANGUAGE_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q=([01](?:\.\d{0,3})?))?"
)


@cache
def catalog(locale: Locale) -> Mapping[str, str]:
    loaded: dict[str, str] = json.loads((CATALOGS / f"{locale}.json").read_text("utf-8"))
    return loaded


@cache
def candidate_catalog(locale: Locale) -> Mapping[str, str]:
    """The check page's own texts: the fixes a candidate was shown are quoted from here."""
    loaded: dict[str, str] = json.loads((WIDGET_CATALOGS / f"{locale}.json").read_text("utf-8"))
    return loaded


def negotiate(accept_language: str) -> Locale:
    """The first of our languages the browser asks for, by its q-values; English otherwise."""
    best: tuple[float, int, Locale] | None = None
    for position, part in enumerate(accept_language[:500].split(",")[:20]):
        match = LANGUAGE_RANGE.fullmatch(part)
        if match is None:
            continue
        language = match[1].lower()
        quality = float(match[2]) if match[2] else 1.0
        if language in LOCALES and quality > 0:
            ranked = (-quality, position, cast(Locale, language))
            best = ranked if best is None or ranked < best else best
    return best[2] if best else "en"


class Translator:
    """`t("key", name=…)`: the text in one language; a missing key shows itself, never fails."""

    def __init__(self, locale: Locale) -> None:
        self.locale: Locale = locale
        self._texts = catalog(locale)

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._texts

    def reason(self, code: str) -> str:
        """A reason code in plain words for a recruiter: "Camera too dark"."""
        return self._texts.get(f"reason.{code}", code)
