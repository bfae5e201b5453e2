"""The whole path in real Chromium: fake camera and microphone files -> WebRTC -> server verdict.

Each verdict is read back through the API, not from the page: the stored result is the product.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from server.bench.server import Server
from tests.e2e.conftest import (
    ARTIFACTS,
    MediaFiles,
    create_check,
    fake_media,
    launched_chromium,
    run_check,
    stored_result,
)

pytestmark = pytest.mark.e2e


async def check_stored(server: Server, video: Path, audio: Path, name: str) -> dict[str, Any]:
    """Runs the check in Chromium and returns the stored result; records how long each stage
    took (a record for people, not a test: the machine may be busy)."""
    check = create_check(server)
    first_reading = 0.0
    async with launched_chromium(fake_media(video, audio)) as browser:
        page = await browser.new_page()
        await page.goto(check["candidate_url"])
        started = time.monotonic()

        async def while_measuring() -> None:
            nonlocal first_reading
            await expect(page.get_by_test_id("brightness")).to_contain_text(
                re.compile(r"\d"), timeout=15_000
            )
            first_reading = time.monotonic() - started
            await expect(page.get_by_test_id("confirm-speakers")).to_be_visible(timeout=20_000)
            # Camera, lighting and microphone are judged before the speakers are asked about.
            await expect(page.get_by_test_id("status-camera")).not_to_have_attribute(
                "data-status", "running"
            )

        shown = await run_check(page, before_confirm=while_measuring)
        result = await stored_result(server, check["id"])
        verdict = time.monotonic() - started
        assert shown == result["overall"]
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"check-{name}.png"), full_page=True)
        await page.get_by_test_id("finish").click()
    timings = {"first_live_reading_s": round(first_reading, 2), "verdict_s": round(verdict, 2)}
    (ARTIFACTS / f"timings-{name}.json").write_text(json.dumps(timings))
    print(f"{name}: {timings}")
    return result


async def test_well_lit_room_and_clear_voice_pass(server: Server, media_files: MediaFiles) -> None:
    result = await check_stored(server, media_files.well_lit, media_files.speech, "well-lit")
    checks = result["checks"]
    assert checks["lighting"]["status"] == "pass", checks["lighting"]
    assert abs(checks["lighting"]["metrics"]["mean_luma"] - 130) < 5
    assert checks["microphone"]["status"] == "pass", checks["microphone"]
    assert abs(checks["microphone"]["metrics"]["rms_dbfs"] + 20) < 2
    assert checks["camera"]["status"] == "pass", checks["camera"]
    assert checks["speakers"]["status"] == "pass", checks["speakers"]
    assert checks["speakers"]["metrics"]["confirmed"] is True
    network = checks["network"]
    assert network["status"] == "pass", network
    assert (network["metrics"]["candidate_type"], network["metrics"]["transport"]) == (
        "host",
        "udp",
    )
    assert result["overall"] == "ready"
    assert result["browser"]["name"] == "Chrome"
    (ARTIFACTS / "network-well-lit.json").write_text(json.dumps(network["metrics"], indent=2))


async def test_dark_room_is_too_dark(server: Server, media_files: MediaFiles) -> None:
    result = await check_stored(server, media_files.dark, media_files.speech, "dark")
    assert result["checks"]["lighting"]["status"] == "fail"
    assert result["checks"]["lighting"]["reasons"] == ["lighting.too_dark"]
    assert result["overall"] == "not_ready"


async def test_light_behind_the_candidate_is_backlit(
    server: Server, media_files: MediaFiles
) -> None:
    result = await check_stored(server, media_files.backlit, media_files.speech, "backlit")
    assert result["checks"]["lighting"]["status"] == "warn"
    assert result["checks"]["lighting"]["reasons"] == ["lighting.backlit"]


async def test_silent_microphone_is_silent(server: Server, media_files: MediaFiles) -> None:
    result = await check_stored(server, media_files.well_lit, media_files.silence, "silent")
    assert result["checks"]["microphone"]["status"] == "fail"
    assert result["checks"]["microphone"]["reasons"] == ["microphone.silent"]
    assert result["checks"]["lighting"]["status"] == "pass"
