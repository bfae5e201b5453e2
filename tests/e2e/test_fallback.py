"""When WebRTC cannot connect, the page checks in the browser alone and says why.

The media path is made to fail the way a locked-down network does it: Chromium's own policy
that forbids UDP which does not go through a proxy (there is no proxy, so no UDP at all).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, Route, async_playwright, expect

from server.bench.server import Server
from tests.e2e.conftest import (
    ARTIFACTS,
    MediaFiles,
    chromium_path,
    create_check,
    fake_media,
    launched_chromium,
    stored_result,
)

pytestmark = pytest.mark.e2e

# The page's own clock from the Start click to the advice for IT appearing: what the candidate
# waits, without the test's round trips to the browser in it.
TIME_TO_ADVICE = """
(() => {
  window.__times = {};
  document.addEventListener("click", (event) => {
    const start = event.target.closest?.("[data-testid=start-check]");
    if (start) window.__times.start ??= performance.now();
  }, true);
  document.addEventListener("DOMContentLoaded", () => {
    const advice = document.querySelector("[data-testid=it-advice]");
    new MutationObserver(() => {
      if (!advice.hidden) window.__times.advice ??= performance.now();
    }).observe(advice, { attributes: true, attributeFilter: ["hidden"] });
  });
})();
"""


async def seconds_to_advice(page: Page) -> float:
    times: dict[str, float] = await page.evaluate("window.__times")
    return (times["advice"] - times["start"]) / 1000


async def timed(context: BrowserContext) -> None:
    await context.add_init_script(TIME_TO_ADVICE)


def profile_without_udp(folder: Path) -> Path:
    # The command-line switch does nothing; the profile preference is what Chromium obeys.
    preferences = {"webrtc": {"ip_handling_policy": "disable_non_proxied_udp"}}
    (folder / "Default").mkdir(parents=True)
    (folder / "Default" / "Preferences").write_text(json.dumps(preferences))
    return folder


async def test_blocked_network_falls_back_to_local_checks(
    server: Server, media_files: MediaFiles, tmp_path: Path
) -> None:
    check = create_check(server)
    flags = fake_media(media_files.well_lit, media_files.speech)
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile_without_udp(tmp_path / "profile")),
            executable_path=chromium_path(),
            args=flags,
        )
        try:
            await timed(context)
            page = await context.new_page()
            await page.goto(check["candidate_url"])
            await page.get_by_test_id("start-check").click()
            await expect(page.get_by_test_id("overall")).to_have_attribute(
                "data-overall", "not_ready", timeout=20_000
            )
            await expect(page.get_by_test_id("status-network")).to_have_attribute(
                "data-status", "fail"
            )
            advice = page.get_by_test_id("it-advice")
            await expect(advice).to_be_visible()
            await expect(advice).to_contain_text("UDP")
            await expect(advice).to_contain_text("3478")
            await expect(page.get_by_test_id("status-lighting")).to_have_attribute(
                "data-status", "pass"
            )
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "check-blocked.png"), full_page=True)
            elapsed = await seconds_to_advice(page)
        finally:
            await context.close()

    result = await stored_result(server, check["id"])
    checks = result["checks"]
    assert checks["network"]["reasons"] == ["network.blocked"]
    assert result["overall"] == "not_ready"
    assert checks["camera"]["status"] == "pass", checks["camera"]
    assert checks["camera"]["metrics"]["measured_by"] == "browser"
    assert abs(checks["lighting"]["metrics"]["center_luma"] - 130) < 8, checks["lighting"]
    assert checks["microphone"]["status"] == "pass", checks["microphone"]
    assert abs(checks["microphone"]["metrics"]["rms_dbfs"] + 20) < 3, checks["microphone"]
    print(f"blocked: verdict after {elapsed:.2f} s")


async def test_a_connection_that_never_comes_up_falls_back_in_bounded_time(
    server: Server, media_files: MediaFiles
) -> None:
    """The browser has candidates but nothing it sends gets through, as behind a firewall that
    drops UDP silently. The server's answer is rewritten so that the browser's checks go to a
    port where nobody listens and, where they do arrive, carry a password the server refuses
    (otherwise the server's own checks would teach the browser a working peer-reflexive path)."""
    check = create_check(server)
    flags = fake_media(media_files.well_lit, media_files.speech)

    async def unreachable_answer(route: Route) -> None:
        response = await route.fetch()
        answer = await response.json()
        sdp = re.sub(r"^(a=candidate:\S+ \d+ \S+ \d+ \S+) \d+", r"\1 9", answer["sdp"], flags=re.M)
        answer["sdp"] = re.sub(r"^a=ice-pwd:\S+", "a=ice-pwd:" + "x" * 24, sdp, flags=re.M)
        await route.fulfill(response=response, json=answer)

    async with launched_chromium(flags) as browser:
        context = await browser.new_context()
        await timed(context)
        page = await context.new_page()
        await page.route("**/offer", unreachable_answer)
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        await expect(page.get_by_test_id("it-advice")).to_be_visible(timeout=40_000)
        elapsed = await seconds_to_advice(page)
    result = await stored_result(server, check["id"])
    assert result["checks"]["network"]["reasons"] == ["network.blocked"]
    assert result["checks"]["lighting"]["status"] == "pass"
    # The page waits out CONNECT_TIMEOUT_MS (10 s), then measures for 3 s on its own: never
    # less, by its own clock. Bounded: well before MEASURE_TIMEOUT_MS (45 s) would end the run,
    # with room for a machine busy with other work.
    assert 13 <= elapsed < 30, elapsed
    print(f"never connected: local verdict after {elapsed:.2f} s")
