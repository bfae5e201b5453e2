"""How the recruiter pages show things: times in named zones, badges, network paths, numbers.
Pure functions over the models, used by the templates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server import zones
from server.checks.readiness import Risk, risk
from server.checks.readiness import reasons as ordered_reasons
from server.models.check import Check, CheckStatus
from server.models.result import Result

ICONS = {
    CheckStatus.NOT_STARTED: "○",
    CheckStatus.IN_PROGRESS: "◔",
    CheckStatus.READY: "✓",
    CheckStatus.WARNINGS: "!",
    CheckStatus.NOT_READY: "✕",
    CheckStatus.CANCELLED: "⊘",
}
OUTCOME_ICONS = {"pass": "✓", "warn": "!", "fail": "✕", "skipped": "\u2013"}


def icon(status: CheckStatus | str) -> str:
    return ICONS.get(CheckStatus(status), "?")


def outcome_icon(status: str) -> str:
    return OUTCOME_ICONS.get(status, "?")


local = zones.local
when = zones.when
zone_name = zones.zone_name


def lead(minutes: int) -> str:
    """A reminder's lead time: `24 h`, `1 h 30 min`, `15 min`, `3 d`."""
    days, rest = divmod(minutes, 24 * 60)
    if days >= 2 and not rest:
        return f"{days} d"
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h"] if hours else []
    return " ".join([*parts, f"{minutes} min"] if minutes else parts)


def date_input(moment: datetime, zone: str | ZoneInfo) -> str:
    return local(moment, zone).strftime("%Y-%m-%d")


def datetime_input(moment: datetime, zone: str | ZoneInfo) -> str:
    return local(moment, zone).strftime("%Y-%m-%dT%H:%M")


def until(moment: datetime, now: datetime) -> tuple[str, int]:
    """How far away, as a catalog key and a number: ("in.hours", 3), ("ago.minutes", 5)."""
    delta = moment - now
    future = delta >= timedelta(0)
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        unit, amount = "minutes", max(1, round(seconds / 60))
    elif seconds < 48 * 3600:
        unit, amount = "hours", round(seconds / 3600)
    else:
        unit, amount = "days", round(seconds / 86400)
    return f"{'in' if future else 'ago'}.{unit}", amount


def at_risk(check: Check, now: datetime) -> Risk | None:
    return risk(check.status, check.starts_at, now)


def measured_by_browser(result: Result) -> bool:
    return any(
        getattr(outcome.metrics, "measured_by", None) == "browser"
        for outcome in result.checks.outcomes()
    )


def metric_items(metrics: Any) -> list[tuple[str, str]]:
    """A check's numbers as (name, text) pairs, nested ones flattened: `timings_ms.ice`."""
    items: list[tuple[str, str]] = []
    for name, value in metrics.model_dump(mode="json").items():
        if isinstance(value, dict):
            items.extend((f"{name}.{inner}", text) for inner, text in _flat(value))
        elif name != "measured_by":
            items.append((name, _text(value)))
    return items


def _flat(values: dict[str, Any]) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for name, value in values.items():
        if isinstance(value, dict):
            flat.extend((f"{name}.{inner}", text) for inner, text in _flat(value))
        else:
            flat.append((name, _text(value)))
    return flat


def _text(value: Any) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "✓" if value else "✕"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def reasons(result: Result | None) -> list[str]:
    return ordered_reasons(result)
