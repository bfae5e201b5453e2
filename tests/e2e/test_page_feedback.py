"""The optional question after the check, sent with the attempt it is about."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from playwright.async_api import Browser, Request, Route, expect

from server.bench.server import Server
from tests.e2e.conftest import DESKTOP, PageCheck, Snap, run_check

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


async def test_feedback_is_sent_with_the_attempt(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    sent: list[tuple[dict[str, Any], int]] = []
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await run_check(page)
        await page.get_by_test_id("finish").click()
        stored = await asyncio.to_thread(server.api, "GET", f"/api/v1/checks/{check['id']}")
        attempt_id = stored["latest_result"]["attempt_id"]

        form = page.get_by_test_id("feedback")
        await expect(form).to_be_visible()
        await expect(form.get_by_role("radio")).to_have_count(5)
        await expect(form.get_by_role("group")).to_have_accessible_name(
            "How easy was it to get ready? (optional)"
        )
        await snap(page, "feedback-desktop")

        # Sent without a rating: said plainly, next to the question, and nothing is posted.
        requests: list[Request] = []
        page.on("request", lambda request: requests.append(request))
        await page.get_by_test_id("send-feedback").click()
        await expect(page.get_by_test_id("feedback-error")).to_have_text(
            "Choose a number from 1 to 5 first."
        )
        await expect(page.get_by_test_id("ease-1")).to_be_focused()
        await expect(form.get_by_role("group")).to_have_accessible_description(
            "Choose a number from 1 to 5 first."
        )
        assert not [r for r in requests if r.url.endswith("/feedback")]

        # The server cannot take it once: the candidate is told and can send again.
        failures = 0

        async def fail_once(route: Route) -> None:
            nonlocal failures
            if failures == 0:
                failures += 1
                await route.fulfill(status=503, json={"error": {"code": "busy", "message": "x"}})
            else:
                await route.continue_()

        await page.route("**/feedback", fail_once)
        # The arrow keys move along the scale, as in any radio group.
        await page.keyboard.press("ArrowRight")
        await expect(page.get_by_test_id("ease-2")).to_be_checked()
        await page.keyboard.press("ArrowRight")
        await page.keyboard.press("ArrowRight")
        await expect(page.get_by_label("4 \u2013 easy")).to_be_checked()
        await page.get_by_test_id("feedback-comment").fill("Clear.\tThe chime was\r\nloud.  ")
        await page.get_by_test_id("send-feedback").click()
        await expect(page.get_by_test_id("feedback-error")).to_have_text(
            "We couldn\u2019t send your answer. Please try again."
        )

        async def on_response(response: Any) -> None:
            if response.url.endswith("/feedback"):
                sent.append((json.loads(response.request.post_data or "{}"), response.status))

        page.on("response", on_response)
        await page.get_by_test_id("send-feedback").click()
        thanks = page.get_by_test_id("feedback-thanks")
        await expect(thanks).to_be_visible()
        await expect(thanks).to_be_focused()
        await expect(form).to_be_hidden()
        await snap(page, "feedback-thanks-desktop")
    finally:
        await context.close()
    body, status = sent[-1]
    assert body == {"attempt_id": attempt_id, "ease": 4, "comment": "Clear. The chime was\nloud."}
    assert status == 204


async def test_no_question_without_an_attempt(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    """A candidate who went on without a check has no attempt to rate."""
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        await context.add_init_script(
            "navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
        )
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        await page.get_by_test_id("continue-anyway").click()
        await expect(page.get_by_test_id("done")).to_be_visible()
        await expect(page.get_by_test_id("feedback")).to_be_hidden()
    finally:
        await context.close()
