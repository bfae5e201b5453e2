"""The check page stays light: what it loads (HTML, scripts, styles and the candidate's catalog,
the larger one counted) is at most 60 KB gzipped, so it opens fast on a phone on a poor
connection. The other language's catalog is fetched only if the candidate switches."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
BUDGET_BYTES = 60 * 1024
# What check.html pulls in, and what each module imports: "/widget/js/main.js", "./api.js".
HTML_ASSET = re.compile(r"""<(?:link|script)\b[^>]*\b(?:href|src)="(/widget/[^"]+\.(?:css|js))\"""")
IMPORT = re.compile(r"""(?:^|\s)(?:import|export)\b[^"';]*?\bfrom\s*["'](\./[^"']+)["']""", re.M)


def page_files() -> list[Path]:
    """check.html, the files it links, every module reached by import, and the larger of the
    catalogs (the page fetches one, in the candidate's language)."""
    html = WIDGET / "check.html"
    found = [html]
    pending = [
        WIDGET / path.removeprefix("/widget/")
        for path in HTML_ASSET.findall(html.read_text(encoding="utf-8"))
    ]
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found.append(path)
        if path.suffix == ".js":
            text = path.read_text(encoding="utf-8")
            pending += [(path.parent / name).resolve() for name in IMPORT.findall(text)]
    return [*found, max((WIDGET / "i18n").glob("*.json"), key=gzipped)]


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def test_the_page_loads_every_module_it_has() -> None:
    """The walk above sees what the browser loads: no module is left out of the count."""
    files = set(page_files())
    modules = set((WIDGET / "js").glob("*.js"))
    assert modules <= files, f"not counted: {sorted(p.name for p in modules - files)}"
    assert {WIDGET / "css" / "base.css", WIDGET / "css" / "check.css"} <= files


def test_the_page_weighs_at_most_60_kb_gzipped() -> None:
    sizes = {str(path.relative_to(WIDGET)): gzipped(path) for path in page_files()}
    total = sum(sizes.values())
    report = {"total_gzipped_bytes": total, "budget_bytes": BUDGET_BYTES, "files": sizes}
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "page-weight.json").write_text(json.dumps(report, indent=2))
    print(f"check page: {total / 1024:.1f} KB gzipped of {BUDGET_BYTES // 1024} KB")
    assert total <= BUDGET_BYTES, f"{total} bytes gzipped: {sizes}"
