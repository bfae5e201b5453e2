"""Moments as people read them in a named zone, the same on the recruiter's pages and in mail."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local(moment: datetime, zone: str | ZoneInfo) -> datetime:
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))


def when(moment: datetime, zone: str | ZoneInfo) -> str:
    """`2026-12-03 14:00`, in the zone: the ISO order reads the same in Swedish and English."""
    return local(moment, zone).strftime("%Y-%m-%d %H:%M")


def zone_name(moment: datetime, zone: str | ZoneInfo) -> str:
    """`Europe/Stockholm (CET)`: the zone named, and its abbreviation at that moment."""
    there = local(moment, zone)
    key = str(there.tzinfo)
    abbreviation = there.tzname() or ""
    return key if abbreviation in ("", key) else f"{key} ({abbreviation})"


def when_named(moment: datetime, zone: str | ZoneInfo) -> str:
    """`2026-12-10 14:00 Europe/Stockholm (CET)`."""
    return f"{when(moment, zone)} {zone_name(moment, zone)}"
