"""The check page's texts: the Swedish and English catalogs are complete and alike, and every text
the page shows comes from them (the page's HTML and scripts are parsed, not run)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
PAGE = WIDGET / "check.html"
SCRIPTS = sorted((WIDGET / "js").glob("*.js"))
LOCALES = ("en", "sv")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A catalog key or a reason code written as a string literal: "guide.denied.chrome".
DOTTED_LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
TRANSLATE_CALL = re.compile(r"""\bt\(\s*["']([^"']+)["']""")
SET_TEXT_CALL = re.compile(r"""\bsetText\(\s*[^,()]+,\s*[^,()]+,\s*["']([^"']+)["']""")
# A key built at run time: `status.${status}`.
TEMPLATE_KEY = re.compile(r"`([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\.\$\{")
REASON_CODE = re.compile(r'"((?:camera|lighting|microphone|speakers|network|browser)\.[a-z_]+)"')

# Every value the page builds those keys from. A new family of built keys fails
# test_keys_built_at_run_time_exist until it is listed here.
BUILT_KEYS = {
    "status": ["idle", "running", "pass", "warn", "fail", "skipped"],
    "check": ["camera", "lighting", "microphone", "speakers", "network"],
    "overall": ["ready", "warnings", "not_ready"],
    "brightness": ["too_dark", "dim", "good", "very_bright"],
    "reason": [],  # every reason code: see reason_codes()
}


def load(locale: str) -> dict[str, str]:
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        assert not duplicated, f"{locale}.json repeats {duplicated}"
        return dict(pairs)

    text = (WIDGET / "i18n" / f"{locale}.json").read_text(encoding="utf-8")
    catalog = json.loads(text, object_pairs_hook=no_duplicates)
    assert isinstance(catalog, dict)
    return catalog


@pytest.fixture(scope="module")
def catalogs() -> dict[str, dict[str, str]]:
    return {locale: load(locale) for locale in LOCALES}


def scripts() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SCRIPTS)


def reason_codes(keys: set[str]) -> set[str]:
    """The reason codes the server can give and the ones the page makes itself (in the scripts,
    "speakers.prompt" is a key, not a reason)."""
    server = "\n".join(path.read_text() for path in (ROOT / "server").rglob("*.py"))
    return set(REASON_CODE.findall(server)) | set(REASON_CODE.findall(scripts())) - keys


class PageParser(HTMLParser):
    """Collects the keys check.html names, and any text it would show that is not a key's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.keys: list[str] = []
        self.label_keys: list[str] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, str | None, str]] = []  # (tag, its data-i18n, text)
        self.literal_attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("data-i18n"):
            self.keys.append(str(attributes["data-i18n"]))
        if attributes.get("data-i18n-label"):
            self.label_keys.append(str(attributes["data-i18n-label"]))
        for name in ("aria-label", "title", "alt", "placeholder"):
            if attributes.get(name):
                self.literal_attributes.append(f"<{tag} {name}={attributes[name]!r}>")
        if tag not in ("meta", "link", "input", "br", "img", "source"):
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or any(tag in ("noscript", "script", "style") for tag, _ in self.stack):
            return
        tag, attributes = self.stack[-1] if self.stack else ("", {})
        self.texts.append((tag, attributes.get("data-i18n"), text))


@pytest.fixture(scope="module")
def page() -> PageParser:
    parser = PageParser()
    parser.feed(PAGE.read_text(encoding="utf-8"))
    return parser


def test_both_catalogs_have_the_same_keys(catalogs: dict[str, dict[str, str]]) -> None:
    en, sv = set(catalogs["en"]), set(catalogs["sv"])
    assert not en - sv, f"missing in sv.json: {sorted(en - sv)}"
    assert not sv - en, f"missing in en.json (or extra in sv.json): {sorted(sv - en)}"


def test_every_text_is_a_non_empty_string(catalogs: dict[str, dict[str, str]]) -> None:
    for locale, catalog in catalogs.items():
        bad = [
            key for key, text in catalog.items() if not isinstance(text, str) or not text.strip()
        ]
        assert not bad, f"{locale}.json: not a text: {bad}"


def test_placeholders_match_between_languages(catalogs: dict[str, dict[str, str]]) -> None:
    mismatched = {
        key: (sorted(set(PLACEHOLDER.findall(text))), sorted(set(PLACEHOLDER.findall(sv))))
        for key, text in catalogs["en"].items()
        if (sv := catalogs["sv"].get(key)) is not None
        and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(sv))
    }
    assert not mismatched, f"placeholders differ (en, sv): {mismatched}"


def test_every_key_in_the_page_exists(
    page: PageParser, catalogs: dict[str, dict[str, str]]
) -> None:
    assert page.keys, "check.html names no keys: the parser is broken"
    missing = sorted(set(page.keys + page.label_keys) - set(catalogs["en"]))
    assert not missing, f"check.html names keys no catalog has: {missing}"


def test_every_key_in_the_scripts_exists(catalogs: dict[str, dict[str, str]]) -> None:
    source = scripts()
    called = set(TRANSLATE_CALL.findall(source)) | set(SET_TEXT_CALL.findall(source))
    assert "announce.started" in called, "the patterns no longer find the page's t() calls"
    # Keys kept in tables (guidance.js, devices.js) are literals in a catalog namespace.
    namespaces = {key.split(".")[0] for key in catalogs["en"]}
    tabled = {
        literal for literal in DOTTED_LITERAL.findall(source) if literal.split(".")[0] in namespaces
    }
    assert "guide.denied.safari_ios" in tabled
    missing = sorted((called | tabled) - set(catalogs["en"]))
    assert not missing, f"the scripts use keys no catalog has: {missing}"


def test_keys_built_at_run_time_exist(catalogs: dict[str, dict[str, str]]) -> None:
    families = set(TEMPLATE_KEY.findall(scripts()))
    assert families <= set(BUILT_KEYS), (
        f"the scripts build keys of {sorted(families - set(BUILT_KEYS))}: list their values"
    )
    values = {**BUILT_KEYS, "reason": sorted(reason_codes(set(catalogs["en"])))}
    assert "lighting.backlit" in values["reason"]
    missing = sorted(
        f"{family}.{value}"
        for family, names in values.items()
        for value in names
        if f"{family}.{value}" not in catalogs["en"]
    )
    assert not missing, f"keys the page builds that no catalog has: {missing}"


def test_the_page_shows_no_text_of_its_own(
    page: PageParser, catalogs: dict[str, dict[str, str]]
) -> None:
    """Outside <noscript>, every text comes from a catalog; an element filled from one may hold
    its English text beforehand (the <title>, for the tab before the script runs)."""
    own = [
        f"<{tag}>{text}"
        for tag, key, text in page.texts
        if key is None or catalogs["en"].get(key) != text
    ]
    assert not own, f"check.html shows text no catalog gives: {own}"
    assert not page.literal_attributes, (
        f"texts in attributes must come from data-i18n-label: {page.literal_attributes}"
    )
