"""Results as the server stores them, for tests that need attempts with known verdicts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from server.models.result import CHECK_NAMES, Result

STATUS_OF = {"ready": "pass", "warnings": "warn", "not_ready": "fail"}


def a_result(
    check_id: str,
    overall: str = "ready",
    *,
    reasons: dict[str, list[str]] | None = None,
    finished_at: datetime | None = None,
    candidate_type: str = "host",
    browser: tuple[str, str, str] = ("Chrome", "130", "Linux"),
) -> Result:
    """Every check passes, warns or fails with `overall`; `reasons` gives a check its codes (and
    its status from the code's severity in `overall`)."""
    finished_at = finished_at or datetime.now(UTC)
    reasons = reasons or {}
    checks: dict[str, Any] = {}
    for name in CHECK_NAMES:
        codes = reasons.get(name, [])
        status = STATUS_OF[overall] if codes or overall == "ready" else "pass"
        checks[name] = {"status": status, "reasons": codes, "metrics": {}}
    checks["camera"]["metrics"] = {"width": 640, "height": 480, "fps": 15.0}
    checks["network"]["metrics"] = {
        "rtt_ms": 12.5,
        "jitter_ms": 1.0,
        "packet_loss_pct": 0.0,
        "bitrate_kbps": 900.0,
        "candidate_type": candidate_type,
        "transport": "udp",
        "connect_ms": 40.0,
    }
    browser_name, version, os = browser
    return Result.model_validate(
        {
            "attempt_id": uuid.uuid4().hex,
            "check_id": check_id,
            "overall": overall,
            "started_at": finished_at - timedelta(seconds=30),
            "finished_at": finished_at,
            "browser": {"name": browser_name, "version": version, "os": os},
            "checks": checks,
        },
        strict=False,
    )
