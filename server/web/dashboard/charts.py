"""Charts drawn on the server as inline SVG: no script, no framework, readable at any width.

Bar charts are lists whose words and numbers are text (they wrap on a phone and a screen
reader reads them); the SVG only draws the bars, its lengths in percent. The column chart is
an image with a name and a description, and the page shows its figures as a table too.
Nothing is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR = 14
COLUMN_AREA = 150
COLUMN_LABELS = 36


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    """The value as the reader should see it, e.g. "12 (40 %)"."""


@dataclass(frozen=True)
class Segment:
    kind: str
    """A class name for the verdict: ready, warnings or not_ready."""
    value: int


@dataclass(frozen=True)
class Stack:
    label: str
    segments: tuple[Segment, ...]
    text: str


def _frame(
    chart_id: str, title: str, description: str, height: int, body: str, *, top_margin: int = 0
) -> Markup:
    if top_margin:
        body = f'<g transform="translate(0 {top_margin})">{body}</g>'
    return Markup(
        f'<svg class="chart" width="100%" height="{height + top_margin}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole > 0 else "0%"


def _row(label: str, text: str, bar: str) -> str:
    return (
        f'<li><span class="bar-label">{escape(label)}</span> '
        f'<span class="bar-value">{escape(text)}</span>'
        f'<svg class="bar" width="100%" height="{BAR}" aria-hidden="true" focusable="false">'
        f"{bar}</svg></li>"
    )


def _list(chart_id: str, title: str, rows: list[str], defs: str = "") -> Markup:
    return Markup(
        f'<ul class="bars" id="{chart_id}" aria-label="{escape(title)}">{defs}{"".join(rows)}</ul>'
    )


def bars(chart_id: str, title: str, items: Sequence[Bar], *, whole: float) -> Markup:
    """A labelled horizontal bar per item, its length as a share of `whole`; the words and
    numbers are the list's text, the bars only draw them."""
    rows = []
    for item in items:
        length = _percent(min(item.value, whole), whole)
        rows.append(
            _row(
                item.label,
                item.text,
                f'<rect class="chart-track" width="100%" height="{BAR}"/>'
                f'<rect class="chart-bar" width="{length}" height="{BAR}"/>',
            )
        )
    return _list(chart_id, title, rows)


PATTERNS = (
    '<li class="bar-defs" aria-hidden="true"><svg width="0" height="0" focusable="false"><defs>'
    '<pattern id="{id}-warnings" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect class="seg-warnings" width="6" height="6"/>'
    '<line class="seg-stripe" x1="0" y1="0" x2="0" y2="6"/></pattern>'
    '<pattern id="{id}-not_ready" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="seg-not_ready" width="6" height="6"/>'
    '<path class="seg-stripe" d="M0 0L6 6M6 0L0 6"/></pattern></defs></svg></li>'
)


def stacks(chart_id: str, title: str, items: Sequence[Stack]) -> Markup:
    """A bar per item split by verdict, as shares of the item's own total; each verdict has
    its own pattern as well as its colour."""
    rows = []
    for item in items:
        total = sum(segment.value for segment in item.segments)
        start = 0
        parts = []
        for segment in item.segments:
            if segment.value:
                fill = "" if segment.kind == "ready" else f' fill="url(#{chart_id}-{segment.kind})"'
                parts.append(
                    f'<rect class="seg-{segment.kind}" x="{_percent(start, total)}" '
                    f'width="{_percent(segment.value, total)}" height="{BAR}"{fill}/>'
                )
            start += segment.value
        rows.append(_row(item.label, item.text, "".join(parts)))
    return _list(chart_id, title, rows, PATTERNS.replace("{id}", chart_id))


def columns(
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[Bar],
    *,
    top: float,
    first_label: str,
    last_label: str,
) -> Markup:
    """Vertical columns over time, heights against `top`; an empty period draws no column."""
    count = max(len(items), 1)
    slot = 100 / count
    body = []
    for level in range(1, int(top) + 1):
        y = COLUMN_AREA - round(COLUMN_AREA * level / top)
        body.append(
            f'<line class="chart-grid" x1="0" y1="{y}" x2="100%" y2="{y}"/>'
            f'<text class="chart-scale" x="100%" y="{y - 2}" text-anchor="end">{level}</text>'
        )
    for index, item in enumerate(items):
        height = round(COLUMN_AREA * min(item.value, top) / top) if top else 0
        x = f"{index * slot + slot * 0.15:.2f}%"
        if height:
            body.append(
                f'<rect class="chart-bar" x="{x}" y="{COLUMN_AREA - height}" '
                f'width="{slot * 0.7:.2f}%" height="{height}"/>'
            )
        if count <= 12 and item.text:
            body.append(
                f'<text class="chart-value" x="{index * slot + slot / 2:.2f}%" '
                f'y="{max(COLUMN_AREA - height - 4, 12)}" text-anchor="middle">'
                f"{escape(item.text)}</text>"
            )
    body.append(
        f'<line class="chart-axis" x1="0" y1="{COLUMN_AREA}" x2="100%" y2="{COLUMN_AREA}"/>'
        f'<text class="chart-label" x="0" y="{COLUMN_AREA + 20}">{escape(first_label)}</text>'
        f'<text class="chart-label" x="100%" y="{COLUMN_AREA + 20}" text-anchor="end">'
        f"{escape(last_label)}</text>"
    )
    return _frame(
        chart_id, title, description, COLUMN_AREA + COLUMN_LABELS, "".join(body), top_margin=14
    )
