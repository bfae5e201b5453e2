"""A check the browser ran alone: its numbers are validated, judged by the same rules, marked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from server.errors import InvalidInput
from server.media.verdict.local import local_result
from server.media.verdict.result import AttemptHeader
from server.models.base import decode
from server.models.fallback import LocalCheck
from server.models.result import Browser


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "why": "blocked",
        "camera": {
            "frames": 28,
            "duration_s": 3.0,
            "fps": 30,
            "width": 640,
            "height": 480,
            "mean_luma": 120.0,
            "center_luma": 125.0,
            "border_luma": 118.0,
            "overexposed_fraction": 0.0,
            "contrast": 30.0,
        },
        "microphone": {
            "windows": 29,
            "rms_dbfs": -22.0,
            "peak_dbfs": -8.0,
            "noise_floor_dbfs": -70.0,
            "clipping_fraction": 0.0,
        },
    }
    data.update(overrides)
    return data


def parse_fallback(data: dict[str, Any]) -> LocalCheck:
    """As `POST /c/{token}/fallback` reads its JSON body."""
    return decode(LocalCheck, json.dumps(data), code=LocalCheck.error_code)


def result(data: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    header = AttemptHeader(
        check_id="c" * 32,
        attempt_id="a" * 32,
        started_at=now,
        finished_at=now,
        browser=Browser(name="Chrome", version="156", os="Linux"),
    )
    return local_result(parse_fallback(data), header).model_dump(mode="json")


def test_blocked_network_fails_and_media_is_judged_from_the_browser() -> None:
    checks = result(body())["checks"]
    assert checks["network"] == {"status": "fail", "reasons": ["network.blocked"], "metrics": {}}
    for name in ("camera", "lighting", "microphone"):
        assert checks[name]["status"] == "pass", checks[name]
        assert checks[name]["metrics"]["measured_by"] == "browser"
    assert checks["speakers"]["reasons"] == ["speakers.not_confirmed"]
    assert result(body())["overall"] == "not_ready"


def test_a_busy_server_does_not_count_against_the_candidate() -> None:
    outcome = result(body(why="busy"))
    assert outcome["checks"]["network"]["status"] == "skipped"
    assert outcome["checks"]["network"]["reasons"] == ["network.server_busy"]
    assert outcome["overall"] == "warnings", "untested speakers are never ready"


def test_the_same_rules_judge_a_dark_room() -> None:
    camera = {**body()["camera"], "mean_luma": 20.0, "center_luma": 20.0, "border_luma": 20.0}
    assert result(body(camera=camera))["checks"]["lighting"]["reasons"] == ["lighting.too_dark"]


def test_no_camera_and_no_microphone() -> None:
    checks = result(body(camera=None, microphone=None))["checks"]
    assert checks["camera"]["reasons"] == ["camera.no_frames"]
    assert checks["microphone"]["reasons"] == ["microphone.no_audio"]


@pytest.mark.parametrize(
    "data",
    [
        body(why="bored"),
        body(why=None),
        body(camera="yes"),
        body(camera={**body()["camera"], "mean_luma": 256}),
        body(camera={**body()["camera"], "width": 640.5}),
        body(camera={**body()["camera"], "frames": True}),
        body(camera={**body()["camera"], "fps": 241}),
        body(camera={**body()["camera"], "colour": "blue"}),
        body(extra=1),
        body(microphone={**body()["microphone"], "rms_dbfs": 3}),
        body(microphone={**body()["microphone"], "windows": 0}),
        body(microphone={k: v for k, v in body()["microphone"].items() if k != "peak_dbfs"}),
    ],
)
def test_bad_numbers_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_fallback(data)
    assert raised.value.code == "invalid_fallback"


def test_a_camera_without_frames_needs_no_light_figures() -> None:
    camera = {"frames": 0, "duration_s": 3.0, "fps": None, "width": 0, "height": 0}
    checks = result(body(camera=camera))["checks"]
    assert checks["camera"]["reasons"] == ["camera.no_frames"]
    assert checks["lighting"] == {
        "status": "skipped",
        "reasons": [],
        "metrics": {"measured_by": "browser"},
    }
