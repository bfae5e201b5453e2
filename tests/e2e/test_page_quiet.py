"""The quiet window: a countdown to the interview, the Join button from ten minutes before the
start until the end, and plain words before and after. The page's clock is set by Playwright."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import DESKTOP, PHONE, PageCheck, Server, Snap

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

JOIN_URL = "https://meet.example.com/backend-engineer"


async def test_before_the_window_the_page_says_when_join_opens(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, minutes=90)
    # A British English browser: English text, and the 24-hour clock it is used to.
    context = await chromium.new_context(
        viewport=DESKTOP, timezone_id="Europe/Stockholm", locale="en-GB"
    )
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("countdown")).to_have_text(
            re.compile(r"^The interview starts in 1 hour, (29|30) minutes\.$")
        )
        opens = datetime.fromisoformat(check["starts_at"]) - timedelta(minutes=10)
        local = opens.astimezone(ZoneInfo("Europe/Stockholm"))
        await expect(page.get_by_test_id("join-note")).to_contain_text(
            f"10 minutes before the start: {local:%H}:{local:%M}"
        )
        await expect(page.get_by_test_id("join")).to_be_hidden()
        await expect(page.get_by_test_id("countdown")).to_have_attribute("role", "timer")
        await snap(page, "welcome-join-later-desktop")
    finally:
        await context.close()


async def test_join_opens_ten_minutes_before_the_start(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, minutes=60)
    starts_at = datetime.fromisoformat(check["starts_at"])
    context = await chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await page.clock.install(time=starts_at - timedelta(minutes=10, seconds=3))
        await page.goto(check["candidate_url"])
        join = page.get_by_test_id("join")
        await expect(page.get_by_test_id("countdown")).to_contain_text("10 minutes, 3 seconds")
        await expect(join).to_be_hidden()
        await page.clock.run_for(4000)
        await expect(join).to_be_visible()
        await expect(join).to_have_attribute("href", JOIN_URL)
        await expect(join).to_have_attribute("target", "_blank")
        await expect(join).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        await expect(join).to_have_accessible_name("Join interview (opens in a new tab)")
        await expect(page.get_by_test_id("countdown")).to_contain_text("9 minutes, 59 seconds")
        await expect(page.locator("[aria-live]")).to_have_text("You can join the interview now.")
        await expect(page.get_by_test_id("join-note")).to_be_hidden()
        await snap(page, "welcome-join-open-phone")

        # Open until the interview's end (45 minutes), then the time has passed.
        await page.clock.run_for((10 + 44) * 60 * 1000)
        await expect(page.get_by_test_id("countdown")).to_have_text("The interview has started.")
        await expect(join).to_be_visible()
        await page.clock.run_for(2 * 60 * 1000)
        await expect(join).to_be_hidden()
        await expect(page.get_by_test_id("countdown")).to_be_hidden()
        await expect(page.get_by_test_id("join-note")).to_have_text(
            "The interview time has passed."
        )
    finally:
        await context.close()


async def test_without_a_join_url_the_invitation_link_is_the_way(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server, minutes=5, join_url=None)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("countdown")).to_contain_text("starts in 4 minutes")
        await expect(page.get_by_test_id("join")).to_be_hidden()
        await expect(page.get_by_test_id("join-note")).to_have_text(
            "Join with the link in your invitation."
        )
    finally:
        await context.close()


async def test_after_the_check_the_window_is_there_too(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, minutes=-5)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("countdown")).to_have_text("The interview has started.")
        await page.get_by_test_id("start-check").click()
        await page.get_by_test_id("confirm-speakers").click(timeout=20_000)
        await page.get_by_test_id("finish").click(timeout=20_000)
        done = page.locator("section[data-step=done]")
        await expect(done.get_by_test_id("join")).to_be_visible()
        await expect(done.get_by_test_id("countdown")).to_be_visible()
        await snap(page, "done-join-open-desktop")
    finally:
        await context.close()
