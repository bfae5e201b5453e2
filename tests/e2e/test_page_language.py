"""Languages: the check's own locale, then the browser's; switchable on the page, remembered on
the device; dates, times and durations written as the language writes them."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, Route, expect

from server.bench.server import Server
from tests.e2e.conftest import DESKTOP, PHONE, PageCheck, Snap

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

# Text that is a catalog key rather than a text: what t() shows for a key no catalog has.
BARE_KEYS = """() => [...document.querySelectorAll("main *")]
  .filter((el) => el.checkVisibility() && el.children.length === 0)
  .map((el) => el.textContent.trim())
  .filter((text) => /^[a-z_]+(\\.[a-z0-9_]+)+$/.test(text))"""


async def assert_no_bare_keys(page: Page) -> None:
    assert await page.evaluate(BARE_KEYS) == []


async def test_the_checks_locale_comes_first(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, locale="sv")
    context = await chromium.new_context(
        viewport=PHONE, locale="en-US", timezone_id="Europe/Stockholm", is_mobile=True
    )
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.locator("html")).to_have_attribute("lang", "sv")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gör dig redo för intervjun"
        )
        await expect(page.get_by_test_id("language")).to_have_value("sv")
        await expect(page.get_by_test_id("interview-when")).to_contain_text(
            re.compile(r"(måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag)")
        )
        await expect(page.get_by_text("45 minuter")).to_be_visible()
        await expect(page.get_by_test_id("interviewers")).to_have_text(
            "Sam Recruiter och Kim Engineer"
        )
        await expect(page.get_by_test_id("countdown")).to_contain_text("Intervjun börjar om")
        await expect(page).to_have_title("Kolla kamera och mikrofon \u2013 Greenroom")
        await assert_no_bare_keys(page)
        await snap(page, "welcome-swedish-phone")
    finally:
        await context.close()


async def test_without_a_locale_the_browsers_language_counts(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server)

    async def no_locale(route: Route) -> None:
        response = await route.fetch()
        info = await response.json()
        await route.fulfill(response=response, json={**info, "locale": "de"})

    context = await chromium.new_context(viewport=DESKTOP, locale="sv-SE")
    try:
        page = await context.new_page()
        await page.route("**/info", no_locale)
        await page.goto(check["candidate_url"])
        await expect(page.locator("html")).to_have_attribute("lang", "sv")
        await expect(page.get_by_test_id("start-check")).to_have_text("Starta kollen")
    finally:
        await context.close()


async def test_switching_language_redraws_everything_and_is_remembered(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server, locale="sv", minutes=5)
    context = await chromium.new_context(
        viewport=DESKTOP, locale="en-GB", timezone_id="America/New_York"
    )
    try:
        await context.add_init_script(
            "navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
            "navigator.permissions.query = async () => ({ state: 'denied' });"
        )
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("interview-when")).to_contain_text("(din tid)")
        language = page.get_by_test_id("language")
        await expect(language).to_have_accessible_name("Språk")
        await language.focus()
        await language.select_option("en")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Get ready for your interview"
        )
        await expect(language).to_have_accessible_name("Language")
        await expect(language).to_be_focused()
        # Computed texts follow: the date, the other zone, the length, the countdown.
        await expect(page.get_by_test_id("interview-when")).to_contain_text("(your time)")
        await expect(page.get_by_test_id("interview-zone")).to_contain_text("in Stockholm")
        await expect(page.get_by_text("45 minutes")).to_be_visible()
        await expect(page.get_by_test_id("countdown")).to_contain_text("starts in 4 minutes")
        await expect(page).to_have_title("Camera and microphone check \u2013 Greenroom")
        await assert_no_bare_keys(page)

        # Back to Swedish in the middle of the flow: the guidance is redrawn too.
        await page.get_by_test_id("start-check").click()
        await expect(page.get_by_test_id("guidance")).to_contain_text("Switch on Camera")
        await language.select_option("sv")
        await expect(page.get_by_test_id("guidance")).to_contain_text("Slå på Kamera")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Kameran och mikrofonen är blockerade"
        )
        await expect(page.get_by_test_id("try-again")).to_have_text("Försök igen")
        await assert_no_bare_keys(page)
        await snap(page, "permission-denied-swedish-desktop")

        # The choice is the candidate's: it stays on this device over the check's own locale.
        await language.select_option("en")
        again = await context.new_page()
        await again.goto(check["candidate_url"])
        await expect(again.locator("html")).to_have_attribute("lang", "en")
        await expect(again.get_by_test_id("language")).to_have_value("en")
    finally:
        await context.close()
