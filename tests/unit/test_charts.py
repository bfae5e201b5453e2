"""The insight page's charts: lengths that match the figures, words as text, names escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from server.web.dashboard.charts import Bar, Segment, Stack, bars, columns, stacks

SVG = "{http://www.w3.org/2000/svg}"


def widths(markup: str, kind: str) -> list[str]:
    return re.findall(rf'<rect class="{kind}"[^>]* width="([^"]+)"', markup)


def test_bars_are_shares_of_the_whole_and_say_their_numbers() -> None:
    markup = bars(
        "c",
        "Problems",
        [Bar("Camera too dark", 15, "15 (30 %)"), Bar("Noisy", 5, "5 (10 %)")],
        whole=50,
    )
    assert widths(markup, "chart-bar") == ["30.00%", "10.00%"]
    assert 'Camera too dark</span> <span class="bar-value">15 (30 %)</span>' in markup
    assert 'aria-label="Problems"' in markup
    ET.fromstring(markup)  # well-formed


def test_a_bar_never_runs_past_the_whole_and_nothing_of_nothing_is_empty() -> None:
    assert widths(bars("c", "x", [Bar("a", 7, "7")], whole=5), "chart-bar") == ["100.00%"]
    assert widths(bars("c", "x", [Bar("a", 0, "0")], whole=0), "chart-bar") == ["0%"]


def test_labels_are_escaped() -> None:
    markup = bars("c", 'a"b', [Bar("<script>", 1, "1 & 2")], whole=1)
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert 'aria-label="a&#34;b"' in markup


def test_stacks_split_each_row_by_its_own_total_with_patterns_beside_colour() -> None:
    row = Stack(
        "Chrome",
        (Segment("ready", 2), Segment("warnings", 1), Segment("not_ready", 1)),
        "2 ready · 1 warnings · 1 not ready",
    )
    markup = stacks("b", "By browser", [row])
    found = re.findall(r'<rect class="seg-(\w+)" x="([^"]+)" width="([^"]+)"', markup)
    assert found == [
        ("ready", "0.00%", "50.00%"),
        ("warnings", "50.00%", "25.00%"),
        ("not_ready", "75.00%", "25.00%"),
    ]
    assert 'fill="url(#b-warnings)"' in markup
    assert 'id="b-warnings"' in markup
    assert "2 ready · 1 warnings · 1 not ready" in markup


def test_columns_are_an_image_with_a_name_a_description_and_a_scale() -> None:
    items = [Bar("2026-12-01", 4.0, "4.0"), Bar("2026-12-02", 0, "")]
    markup = columns(
        "f", "Ease", "12-01: 4.0", items, top=5, first_label="2026-12-01", last_label="2026-12-02"
    )
    svg = ET.fromstring(markup)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "f-title f-desc"
    assert svg.find(f"{SVG}title") is not None
    assert len(widths(markup, "chart-bar")) == 1, "a period without answers draws no column"
    heights = re.findall(r'<rect class="chart-bar"[^>]* height="(\d+)"', markup)
    assert heights == ["120"], "4 of 5 of the 150 px area"
    scale = re.findall(r'<text class="chart-scale"[^>]*>(\d)</text>', markup)
    assert scale == ["1", "2", "3", "4", "5"]


def test_many_columns_leave_their_numbers_to_the_table() -> None:
    items = [Bar(str(day), 3.0, "3.0") for day in range(20)]
    markup = columns("f", "Ease", "…", items, top=5, first_label="a", last_label="b")
    assert "3.0</text>" not in markup
    assert len(widths(markup, "chart-bar")) == 20
