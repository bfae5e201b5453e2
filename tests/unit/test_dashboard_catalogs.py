"""The recruiter pages' texts: Swedish and English alike, and a text for every key the pages
use, spelled out or built from a model's values."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from pathlib import Path

import pytest
from pydantic import BaseModel

from server.models.check import CheckStatus
from server.models.result import Checks, NetworkPath
from server.web.dashboard.i18n import catalog

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "server" / "templates" / "dashboard").glob("*.html"))
CODE = sorted((ROOT / "server" / "web" / "dashboard").glob("*.py"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s*[,)]""")
# Codes also listed in the candidate page's catalog, which the detail page shows as the fix.
REASON = re.compile(r'"reason\.([a-z]+\.[a-z_]+)"')


@pytest.fixture(scope="module")
def texts() -> dict[str, Mapping[str, str]]:
    return {locale: catalog(locale) for locale in ("en", "sv")}


def test_both_languages_have_the_same_keys_and_placeholders(
    texts: dict[str, Mapping[str, str]],
) -> None:
    assert set(texts["en"]) == set(texts["sv"])
    for key, english in texts["en"].items():
        swedish = texts["sv"][key]
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(swedish)), key
        assert swedish.strip(), key


def test_every_key_written_out_in_a_page_or_handler_exists(
    texts: dict[str, Mapping[str, str]],
) -> None:
    used = {
        key
        for path in [*TEMPLATES, *CODE]
        for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 100, "the pattern finds the pages' keys"
    assert not sorted(used - set(texts["en"]))


def metric_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        if name == "measured_by":
            continue
        nested = [
            arg
            for arg in typing.get_args(field.annotation)
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        if nested:
            keys |= metric_keys(nested[0], f"{prefix}{name}.")
        else:
            keys.add(f"metric.{prefix}{name}")
    return keys


def test_every_measured_number_has_a_name(texts: dict[str, Mapping[str, str]]) -> None:
    keys: set[str] = set()
    for field in Checks.model_fields.values():
        outcome = typing.cast(type[BaseModel], field.annotation)
        metrics = outcome.model_fields["metrics"].annotation
        keys |= metric_keys(typing.cast(type[BaseModel], metrics))
    assert "metric.browser_reported.timings_ms.media" in keys
    assert not sorted(keys - set(texts["en"]))


def test_every_status_path_and_reason_has_words(texts: dict[str, Mapping[str, str]]) -> None:
    built = {f"status.{status.value}" for status in CheckStatus}
    built |= {f"path.{path}" for path in typing.get_args(NetworkPath)}
    candidate_page = (ROOT / "widget" / "i18n" / "en.json").read_text(encoding="utf-8")
    codes = set(REASON.findall(candidate_page))
    assert "lighting.too_dark" in codes
    built |= {f"reason.{code}" for code in codes}
    assert not sorted(built - set(texts["en"]))
