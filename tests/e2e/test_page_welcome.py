"""The welcome step: what the candidate learns before pressing Start, in their own time zone."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Route, expect

from server.bench.server import ORGANISATION, Server
from tests.e2e.conftest import DESKTOP, PHONE, PageCheck, Snap

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


async def test_welcome_shows_the_interview_in_both_time_zones(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    context = await chromium.new_context(
        viewport=DESKTOP, timezone_id="America/New_York", locale="en-US"
    )
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Get ready for your interview"
        )
        await expect(page.get_by_text(f"Hi Alex! {ORGANISATION} has invited you")).to_be_visible()
        await expect(page.get_by_role("heading", name="Backend engineer interview")).to_be_visible()
        when = page.get_by_test_id("interview-when")
        # Stockholm is six hours ahead of New York: the candidate reads their own clock first.
        await expect(when).to_contain_text(re.compile(r"(EST|EDT).*\(your time\)"))
        await expect(page.get_by_test_id("interview-zone")).to_have_text(
            re.compile(r"^That.s .*\d{1,2}:\d{2}.* in Stockholm\.$")
        )
        await expect(page.get_by_text("45 minutes")).to_be_visible()
        await expect(page.get_by_test_id("interviewers")).to_have_text(
            "Sam Recruiter and Kim Engineer"
        )
        await expect(page.get_by_test_id("agenda").get_by_role("listitem")).to_have_text(
            ["Introductions", "Your experience", "Questions for us"]
        )
        await expect(page.get_by_test_id("privacy")).to_contain_text(
            "This check is private. Nobody sees you, and nothing is recorded"
        )
        await expect(page.get_by_role("heading", name="Before the interview")).to_be_visible()
        await expect(page.get_by_role("button")).to_have_count(1)
        await expect(page.get_by_test_id("start-check")).to_be_enabled()
        await snap(page, "welcome-desktop")
    finally:
        await context.close()


async def test_one_time_when_the_candidate_is_in_the_interviews_zone(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    context = await chromium.new_context(
        viewport=PHONE, timezone_id="Europe/Berlin", is_mobile=True, has_touch=True
    )
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        when = page.get_by_test_id("interview-when")
        await expect(when).to_be_visible()
        await expect(when).not_to_contain_text("your time")
        await expect(page.get_by_test_id("interview-zone")).to_be_hidden()
        await snap(page, "welcome-phone")
    finally:
        await context.close()


async def test_welcome_copes_without_the_optional_details(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    """An older server, or a check made with the least the API takes: nothing breaks, nothing
    shows empty, and the check can still start."""
    check = page_check(server)

    async def bare_info(route: Route) -> None:
        response = await route.fetch()
        info = await response.json()
        keep = {"title", "locale", "starts_at", "duration_minutes", "ice_servers"}
        await route.fulfill(
            response=response, json={k: v for k, v in info.items() if k in keep} | {"title": ""}
        )

    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.route("**/info", bare_info)
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("start-check")).to_be_enabled()
        await expect(page.get_by_role("heading", name="Your interview", exact=True)).to_be_visible()
        await expect(page.get_by_test_id("interview-when")).to_be_visible()
        await expect(page.get_by_test_id("interviewers")).to_be_hidden()
        await expect(page.get_by_test_id("agenda")).to_be_hidden()
        await expect(page.locator("#greeting")).to_be_hidden()
    finally:
        await context.close()


async def test_an_unknown_link_says_so(chromium: Browser, server: Server, snap: Snap) -> None:
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(server.base_url + "/c/" + "x" * 32)
        await expect(page.get_by_test_id("load-error")).to_contain_text("not valid or has expired")
        await expect(page.get_by_test_id("start-check")).to_be_hidden()
        await expect(page.get_by_role("button")).to_have_count(0)
        await snap(page, "unknown-link-desktop")
    finally:
        await context.close()


async def test_welcome_fields_are_text_never_markup(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    markup = "<img src=x onerror=alert(1)>"
    check = page_check(server, title=markup, agenda=[markup], interviewers=[markup])
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_role("heading", name=markup)).to_be_visible()
        await expect(page.get_by_test_id("agenda")).to_have_text(markup)
        assert await page.locator("main img").count() == 0
        assert await page.title() == "Camera and microphone check \u2013 Greenroom"
    finally:
        await context.close()
