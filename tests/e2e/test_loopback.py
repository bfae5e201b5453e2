"""The preview is the browser's own stream, sent back undecoded: it plays in Chromium, also
after the verdict when the server no longer decodes the picture."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from server.bench.server import Server
from tests.e2e.conftest import (
    MediaFiles,
    StartServer,
    create_check,
    fake_media,
    launched_chromium,
    run_check,
)

pytestmark = pytest.mark.e2e

PLAYED = "document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames"


async def frames_played(page: Page) -> int:
    played: int = await page.evaluate(f"() => {PLAYED}")
    return played


async def until_played(page: Page, frames: int) -> None:
    """Waits until the preview has presented `frames` frames in all: the loopback plays."""
    await page.wait_for_function(f"(frames) => {PLAYED} >= frames", arg=frames, timeout=20_000)


async def test_the_preview_plays_the_looped_back_stream(
    server: Server, media_files: MediaFiles
) -> None:
    check = create_check(server)
    async with launched_chromium(fake_media(media_files.well_lit, media_files.speech)) as browser:
        page = await browser.new_page()
        await page.goto(check["candidate_url"])

        async def looped_back_at_full_size() -> None:
            await expect(page.get_by_test_id("confirm-speakers")).to_be_visible(timeout=20_000)
            size = await page.evaluate(
                "() => [document.querySelector('video').videoWidth,"
                " document.querySelector('video').videoHeight]"
            )
            assert size == [640, 480]

        await run_check(page, before_confirm=looped_back_at_full_size)
        # After the verdict the server decodes nothing, yet the picture keeps coming back.
        await until_played(page, await frames_played(page) + 20)


async def test_a_check_through_media_workers(
    start_server: StartServer, media_files: MediaFiles
) -> None:
    """`GREENROOM_MEDIA_WORKERS=2`: Chromium's media goes to a worker process, the verdict is
    stored, and the preview plays."""
    server = start_server({"GREENROOM_MEDIA_WORKERS": "2"})
    check = create_check(server)
    async with launched_chromium(fake_media(media_files.well_lit, media_files.speech)) as browser:
        page = await browser.new_page()
        await page.goto(check["candidate_url"])
        assert await run_check(page) == "ready"
        await until_played(page, 31)
    stored = server.api("GET", f"/api/v1/checks/{check['id']}")
    assert stored["latest_result"]["overall"] == "ready"
