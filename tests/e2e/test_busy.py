"""A full server: the page waits as asked and tries again; it gets in when a slot frees up, and
checks in the browser alone when none does."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.async_api import Response, expect

from tests.e2e.conftest import (
    MediaFiles,
    StartServer,
    create_check,
    fake_media,
    launched_chromium,
)

pytestmark = pytest.mark.e2e


async def test_the_page_waits_for_a_free_slot(
    start_server: StartServer, media_files: MediaFiles
) -> None:
    server = start_server({"GREENROOM_MAX_SESSIONS": "1"})
    first, second, third = create_check(server), create_check(server), create_check(server)
    # The answers each page got to its offers, in order.
    offers: dict[str, list[int]] = {"waiting": [], "patient": []}

    def answers(name: str) -> Callable[[Response], None]:
        def record(response: Response) -> None:
            if response.url.endswith("/offer"):
                offers[name].append(response.status)

        return record

    flags = fake_media(media_files.well_lit, media_files.speech)
    async with launched_chromium(flags) as browser:
        holder = await browser.new_page()
        await holder.goto(first["candidate_url"])
        await holder.get_by_test_id("start-check").click()
        await expect(holder.get_by_test_id("confirm-speakers")).to_be_visible(timeout=20_000)

        waiting = await browser.new_page()
        waiting.on("response", answers("waiting"))
        await waiting.goto(second["candidate_url"])
        await waiting.get_by_test_id("start-check").click()
        await expect(waiting.get_by_test_id("message")).to_contain_text(
            re.compile(r"busy.*again in \d+ seconds")
        )
        # The first candidate leaves; their session ends at once and frees the slot.
        await holder.close()
        await expect(waiting.get_by_test_id("confirm-speakers")).to_be_visible(timeout=20_000)
        await expect(waiting.get_by_test_id("message")).to_be_hidden()

        # Nobody leaves now: after its retries the third page checks what it can locally.
        patient = await browser.new_page()
        patient.on("response", answers("patient"))
        await patient.goto(third["candidate_url"])
        await patient.get_by_test_id("start-check").click()
        await expect(patient.get_by_test_id("overall")).to_be_visible(timeout=40_000)
        await expect(patient.get_by_test_id("status-network")).to_have_attribute(
            "data-status", "skipped"
        )
        await expect(patient.get_by_test_id("status-camera")).to_have_attribute(
            "data-status", "pass"
        )
    assert "the page left" in server.log_path.read_text()
    # The second page was told to wait at least once, then got in; the third asked once and
    # three times again (BUSY_RETRIES), and was refused each time.
    assert offers["waiting"][0] == 503, offers
    assert offers["waiting"][-1] == 200, offers
    assert offers["patient"] == [503] * 4, offers
    result = server.api("GET", f"/api/v1/checks/{third['id']}")["latest_result"]
    assert result["checks"]["network"]["reasons"] == ["network.server_busy"]
    assert result["checks"]["speakers"]["reasons"] == ["speakers.not_confirmed"]
    assert result["overall"] == "warnings", "a local check is never fully ready"
    assert result["checks"]["camera"]["metrics"]["measured_by"] == "browser"
