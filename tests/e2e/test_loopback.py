"""The preview is the browser's own stream, sent back undecoded: it plays in Chromium, also
after the verdict when the server no longer decodes the picture."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.e2e.conftest import (
    MediaFiles,
    Server,
    StartServer,
    chromium_path,
    create_check,
    fake_media,
)

pytestmark = pytest.mark.e2e

PLAYED = "() => document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames"


async def frames_played(page: Page) -> int:
    played: int = await page.evaluate(PLAYED)
    return played


async def test_the_preview_plays_the_looped_back_stream(
    server: Server, media_files: MediaFiles
) -> None:
    check = create_check(server)
    flags = fake_media(media_files.well_lit, media_files.speech)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=flags)
        try:
            page = await browser.new_page()
            await page.goto(check["candidate_url"])
            await page.get_by_test_id("start-check").click()
            confirm = page.get_by_test_id("confirm-speakers")
            await expect(confirm).to_be_visible(timeout=20_000)
            size = await page.evaluate(
                "() => [document.querySelector('video').videoWidth,"
                " document.querySelector('video').videoHeight]"
            )
            assert size == [640, 480]
            await confirm.click()
            await expect(page.get_by_test_id("overall")).to_be_visible(timeout=20_000)
            before = await frames_played(page)
            await asyncio.sleep(2.0)
            after = await frames_played(page)
        finally:
            await browser.close()
    assert after - before >= 20, f"{after - before} frames in 2 s of a 15 fps loopback"


async def test_a_check_through_media_workers(
    start_server: StartServer, media_files: MediaFiles
) -> None:
    """`GREENROOM_MEDIA_WORKERS=2`: Chromium's media goes to a worker process, the verdict is
    stored, and the preview plays."""
    server = start_server({"GREENROOM_MEDIA_WORKERS": "2"})
    check = create_check(server)
    flags = fake_media(media_files.well_lit, media_files.speech)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=flags)
        try:
            page = await browser.new_page()
            await page.goto(check["candidate_url"])
            await page.get_by_test_id("start-check").click()
            confirm = page.get_by_test_id("confirm-speakers")
            await expect(confirm).to_be_visible(timeout=20_000)
            await confirm.click()
            await expect(page.get_by_test_id("overall")).to_have_attribute(
                "data-overall", "ready", timeout=20_000
            )
            assert await frames_played(page) > 30
        finally:
            await browser.close()
    stored = server.api("GET", f"/api/v1/checks/{check['id']}")
    assert stored["latest_result"]["overall"] == "ready"
