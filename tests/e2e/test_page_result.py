"""The result: the verdict in words, each check's one fix first, "Check again" in the same page,
kind words for warnings, and the candidate can always continue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect

from server.bench.server import Server
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    AxeCheck,
    MediaFiles,
    PageCheck,
    Snap,
    fake_media,
    launched_chromium,
    run_check,
)
from tests.e2e.test_page_accessibility import check_step

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def backlit_chromium(media_files: MediaFiles) -> AsyncIterator[Browser]:
    """A candidate with a window behind them: a warning, not a failure."""
    async with launched_chromium(fake_media(media_files.backlit, media_files.speech)) as browser:
        yield browser


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def dark_chromium(media_files: MediaFiles) -> AsyncIterator[Browser]:
    """A candidate in a dark room: not ready."""
    async with launched_chromium(fake_media(media_files.dark, media_files.speech)) as browser:
        yield browser


async def latest_attempt(server: Server, check_id: str, other_than: str | None = None) -> str:
    for _ in range(100):
        check = await asyncio.to_thread(server.api, "GET", f"/api/v1/checks/{check_id}")
        result = check["latest_result"]
        if result is not None and result["attempt_id"] != other_than:
            attempt: str = result["attempt_id"]
            return attempt
        await asyncio.sleep(0.2)
    raise AssertionError("no new attempt stored")


async def test_a_warning_puts_its_fix_first_and_check_again_runs_anew(
    backlit_chromium: Browser,
    server: Server,
    page_check: PageCheck,
    axe_check: AxeCheck,
    snap: Snap,
) -> None:
    check = page_check(server)
    context = await backlit_chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.evaluate("window.__samePage = true")
        assert await run_check(page) == "warnings"
        overall = page.get_by_test_id("overall")
        await expect(overall).to_have_text(
            "You\u2019re ready \u2013 a few small changes would make it even better."
        )
        await expect(overall).to_be_focused()
        fixes = page.get_by_test_id("fixes").locator("li")
        await expect(fixes).to_have_count(1)
        await expect(fixes.first).to_have_attribute("data-check", "lighting")
        await expect(fixes.first).to_contain_text("Lighting")
        await expect(fixes.first).to_contain_text("Could be better")
        await expect(fixes.first).to_contain_text("strong light behind you")
        # The fix comes before the details, in the page and on the screen.
        fix_box = await fixes.first.bounding_box()
        details_box = await page.get_by_test_id("status-lighting").bounding_box()
        assert fix_box is not None
        assert details_box is not None
        assert fix_box["y"] < details_box["y"]
        await expect(page.get_by_test_id("finish")).to_be_enabled()
        await expect(page.get_by_test_id("check-again")).to_be_visible()
        await check_step(page, "result-warnings", axe_check, snap)
        first = await latest_attempt(server, check["id"])

        async def anew() -> None:
            heading = page.get_by_role("heading", name="How you look and sound")
            await expect(heading).to_be_focused()
            await expect(page.get_by_test_id("fixes")).to_be_hidden()
            await expect(page.get_by_test_id("status-lighting")).to_have_attribute(
                "data-status", "running"
            )

        assert await run_check(page, start="check-again", before_confirm=anew) == "warnings"
        assert await page.evaluate("window.__samePage") is True, "the page was reloaded"
        second = await latest_attempt(server, check["id"], other_than=first)
        assert second != first
    finally:
        await context.close()


async def test_not_ready_says_what_to_fix_and_lets_the_candidate_continue(
    dark_chromium: Browser,
    server: Server,
    page_check: PageCheck,
    axe_check: AxeCheck,
    snap: Snap,
) -> None:
    check = page_check(server)
    context = await dark_chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        assert await run_check(page) == "not_ready"
        first_fix = page.get_by_test_id("fixes").locator("li").first
        await expect(first_fix).to_have_attribute("data-status", "fail")
        await expect(first_fix).to_contain_text("Turn on a lamp in front of you")
        await expect(page.get_by_text("continue anyway")).to_be_visible()
        await check_step(page, "result-not-ready", axe_check, snap)
        await page.set_viewport_size(PHONE)
        await page.get_by_test_id("finish").click()
        await expect(page.get_by_test_id("done")).to_be_focused()
    finally:
        await context.close()
