"""Charts as inline SVG, drawn on the server: no script, no framework, readable at any width.

Positions along the width are percentages (the SVG has no viewBox), so the text keeps its size
on a phone and the bars stretch. Every bar carries its number as text and each verdict has its
own pattern as well as its colour: nothing is told by colour alone. Each chart is an image
with a name and a description; the page shows the same figures as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW = 40
BAR = 14
LABEL_BASELINE = 14
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


def _frame(chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole > 0 else "0%"


def _row_text(y: int, label: str, text: str) -> str:
    return (
        f'<text class="chart-label" x="0" y="{y + LABEL_BASELINE}">{escape(label)}</text>'
        f'<text class="chart-value" x="100%" y="{y + LABEL_BASELINE}" text-anchor="end">'
        f"{escape(text)}</text>"
    )


def bars(chart_id: str, title: str, description: str, items: Sequence[Bar]) -> Markup:
    """One labelled horizontal bar per item, its length against the largest value."""
    largest = max((item.value for item in items), default=0)
    body = []
    for index, item in enumerate(items):
        y = index * ROW
        body.append(_row_text(y, item.label, item.text))
        body.append(
            f'<rect class="chart-track" x="0" y="{y + 20}" width="100%" height="{BAR}"/>'
            f'<rect class="chart-bar" x="0" y="{y + 20}" width="{_percent(item.value, largest)}" '
            f'height="{BAR}"/>'
        )
    return _frame(chart_id, title, description, max(len(items), 1) * ROW, "".join(body))


PATTERNS = (
    '<defs><pattern id="{id}-warnings" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect class="seg-warnings" width="6" height="6"/>'
    '<line class="seg-stripe" x1="0" y1="0" x2="0" y2="6"/></pattern>'
    '<pattern id="{id}-not_ready" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="seg-not_ready" width="6" height="6"/>'
    '<path class="seg-stripe" d="M0 0L6 6M6 0L0 6"/></pattern></defs>'
)


def stacks(chart_id: str, title: str, description: str, items: Sequence[Stack]) -> Markup:
    """One bar per item split by verdict, as shares of the item's own total."""
    body = [PATTERNS.replace("{id}", chart_id)]
    for index, item in enumerate(items):
        y = index * ROW
        body.append(_row_text(y, item.label, item.text))
        total = sum(segment.value for segment in item.segments)
        start = 0
        for segment in item.segments:
            if segment.value:
                fill = "" if segment.kind == "ready" else f' fill="url(#{chart_id}-{segment.kind})"'
                body.append(
                    f'<rect class="seg-{segment.kind}" x="{_percent(start, total)}" y="{y + 20}" '
                    f'width="{_percent(segment.value, total)}" height="{BAR}"{fill}/>'
                )
            start += segment.value
    return _frame(chart_id, title, description, max(len(items), 1) * ROW, "".join(body))


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
    return _frame(chart_id, title, description, COLUMN_AREA + COLUMN_LABELS, "".join(body))
