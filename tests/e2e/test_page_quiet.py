"""The quiet window: a countdown to the interview, the Join button from ten minutes before the
start until the end, and plain words before and after.

The page's clock is Playwright's, paused at instants the tests choose and moved on only by them,
so every countdown is exact at any hour and on any machine: the page loads a minute early, then
the clock stops at the instant that matters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from server.bench.server import Server
from tests.e2e.conftest import DESKTOP, PHONE, PageCheck, Snap, run_check

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

JOIN_URL = "https://meet.example.com/backend-engineer"
# A week from now at 07:53 UTC (the server takes starts up to two years ahead): 08:53 or, in
# summer, 09:53 in Stockholm and 02:53 or 03:53 in New York. The Join button opens at 8:43 or
# 9:43 in Stockholm, before ten o'clock (so a zero-padded hour would show) and at another hour
# than in UTC or any other likely zone (so a clock read in the wrong zone would show).
STARTS_AT = (datetime.now(UTC) + timedelta(days=7)).replace(
    hour=7, minute=53, second=0, microsecond=0
)


def clock_text(instant: datetime, zone: str) -> str:
    """A time as the page writes it in British English (`hour: "numeric"`): 8:43, 14:05."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.hour}:{local.minute:02d}"


async def open_at(page: Page, url: str, instant: datetime) -> None:
    """Loads the page with its clock a minute before `instant`, then stops the clock there.

    The clock jumps only once the page has its check's details: jumping earlier would also fire
    the page's own timeout on that request, which a slow machine has not answered yet."""
    await page.clock.install(time=instant - timedelta(minutes=1))
    await page.goto(url)
    await expect(page.get_by_test_id("quiet")).to_be_visible()
    await page.clock.pause_at(instant)


async def test_before_the_window_the_page_says_when_join_opens(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, starts_at=STARTS_AT.isoformat())
    # A British English browser: English text, and the 24-hour clock it is used to.
    context = await chromium.new_context(
        viewport=DESKTOP, timezone_id="Europe/Stockholm", locale="en-GB"
    )
    try:
        page = await context.new_page()
        await open_at(page, check["candidate_url"], STARTS_AT - timedelta(minutes=90))
        await expect(page.get_by_test_id("countdown")).to_have_text(
            "The interview starts in 1 hour, 30 minutes."
        )
        opens = clock_text(STARTS_AT - timedelta(minutes=10), "Europe/Stockholm")
        assert opens in ("8:43", "9:43")
        await expect(page.get_by_test_id("join-note")).to_have_text(
            f"The Join button appears here 10 minutes before the start: {opens}."
        )
        await expect(page.get_by_test_id("join")).to_be_hidden()
        await expect(page.get_by_test_id("countdown")).to_have_attribute("role", "timer")
        await snap(page, "welcome-join-later-desktop")
    finally:
        await context.close()


async def test_join_opens_ten_minutes_before_the_start(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, starts_at=STARTS_AT.isoformat())
    context = await chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await open_at(page, check["candidate_url"], STARTS_AT - timedelta(minutes=10, seconds=3))
        join = page.get_by_test_id("join")
        countdown = page.get_by_test_id("countdown")
        await expect(countdown).to_have_text("The interview starts in 10 minutes, 3 seconds.")
        await expect(join).to_be_hidden()
        await page.clock.run_for(4000)
        await expect(join).to_be_visible()
        await expect(join).to_have_attribute("href", JOIN_URL)
        await expect(join).to_have_attribute("target", "_blank")
        await expect(join).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        await expect(join).to_have_accessible_name("Join interview (opens in a new tab)")
        await expect(countdown).to_have_text("The interview starts in 9 minutes, 59 seconds.")
        await expect(page.locator("[aria-live]")).to_have_text("You can join the interview now.")
        await expect(page.get_by_test_id("join-note")).to_be_hidden()
        await snap(page, "welcome-join-open-phone")

        # Open until the interview's end (45 minutes), then the time has passed.
        await page.clock.run_for((10 + 44) * 60 * 1000)
        await expect(countdown).to_have_text("The interview has started.")
        await expect(join).to_be_visible()
        await page.clock.run_for(2 * 60 * 1000)
        await expect(join).to_be_hidden()
        await expect(countdown).to_be_hidden()
        await expect(page.get_by_test_id("join-note")).to_have_text(
            "The interview time has passed."
        )
    finally:
        await context.close()


async def test_without_a_join_url_the_invitation_link_is_the_way(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server, starts_at=STARTS_AT.isoformat(), join_url=None)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await open_at(page, check["candidate_url"], STARTS_AT - timedelta(minutes=4, seconds=30))
        await expect(page.get_by_test_id("countdown")).to_have_text(
            "The interview starts in 4 minutes, 30 seconds."
        )
        await expect(page.get_by_test_id("join")).to_be_hidden()
        await expect(page.get_by_test_id("join-note")).to_have_text(
            "Join with the link in your invitation."
        )
    finally:
        await context.close()


async def test_after_the_check_the_window_is_there_too(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    # Started five minutes ago, for 45: open for the whole check, however long it takes.
    check = page_check(server, minutes=-5)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("countdown")).to_have_text("The interview has started.")
        await run_check(page)
        await page.get_by_test_id("finish").click()
        done = page.locator("section[data-step=done]")
        await expect(done.get_by_test_id("join")).to_be_visible()
        await expect(done.get_by_test_id("countdown")).to_be_visible()
        await snap(page, "done-join-open-desktop")
    finally:
        await context.close()
