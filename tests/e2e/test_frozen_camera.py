"""A frozen camera in real Chromium: a y4m file of one picture (Chromium repeats it, as a stuck
virtual camera or a frozen capture driver does) goes through Chromium's VP8 encoder to the
server, which must call it frozen, and only that. A person sitting still must not be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from server.bench.server import Server
from tests.e2e.conftest import (
    MediaFiles,
    create_check,
    fake_media,
    launched_chromium,
    run_check,
    stored_result,
)
from tests.support.media_files import write_y4m
from tests.support.synthetic import sitting_still, still_picture

pytestmark = pytest.mark.e2e

FROZEN_FIX = json.loads(
    (Path(__file__).resolve().parents[2] / "widget" / "i18n" / "en.json").read_text()
)["reason.camera.frozen"]


@dataclass(frozen=True)
class Cameras:
    frozen_plain: Path
    frozen_detailed: Path
    sitting_still: Path


@pytest.fixture(scope="module")
def cameras(tmp_path_factory: pytest.TempPathFactory) -> Cameras:
    """One noisy picture of an even wall, one of a detailed room (the hardest for the encoder:
    it keeps refining it, and drops frames), and 4 s of a person who breathes and blinks,
    which loops without a jump."""
    folder = tmp_path_factory.mktemp("cameras")
    person = sitting_still("room", seconds=4.0, fps=20, noise=1.0)[:-1]
    return Cameras(
        frozen_plain=write_y4m(folder / "frozen_plain.y4m", [still_picture("plain", noise=2.0)]),
        frozen_detailed=write_y4m(
            folder / "frozen_detailed.y4m", [still_picture("detailed", noise=2.0)]
        ),
        sitting_still=write_y4m(folder / "sitting_still.y4m", person, fps=20),
    )


async def stored_checks(
    server: Server, video: Path, audio: Path, *, fix: str | None = None
) -> dict[str, Any]:
    """Runs the check with `video` as the camera and returns the stored checks; `fix` is the
    text the page must show for the camera."""
    check = create_check(server)
    async with launched_chromium(fake_media(video, audio)) as browser:
        page = await browser.new_page()
        await page.goto(check["candidate_url"])
        await run_check(page)
        if fix is not None:
            shown = page.get_by_test_id("fixes").locator("li[data-check='camera']")
            await expect(shown).to_contain_text(fix)
    checks: dict[str, Any] = (await stored_result(server, check["id"]))["checks"]
    return checks


@pytest.mark.parametrize("room", ["plain", "detailed"])
async def test_a_picture_that_never_changes_is_frozen_and_nothing_else(
    server: Server, media_files: MediaFiles, cameras: Cameras, room: str
) -> None:
    video = cameras.frozen_plain if room == "plain" else cameras.frozen_detailed
    checks = await stored_checks(server, video, media_files.speech, fix=FROZEN_FIX)
    camera, network = checks["camera"], checks["network"]
    assert (camera["status"], camera["reasons"]) == ("warn", ["camera.frozen"]), camera
    assert camera["metrics"]["fps"] > 0, "frames kept arriving"
    # Little is sent for a picture that never changes; the path still carries plenty.
    assert network["status"] == "pass", network
    assert network["metrics"]["bitrate_kbps"] < 500 < network["metrics"]["probe_kbps"], network


async def test_a_person_sitting_still_is_not_frozen(
    server: Server, media_files: MediaFiles, cameras: Cameras
) -> None:
    checks = await stored_checks(server, cameras.sitting_still, media_files.speech)
    assert checks["camera"]["status"] == "pass", checks["camera"]
    assert checks["network"]["status"] == "pass", checks["network"]
