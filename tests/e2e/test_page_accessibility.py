"""WCAG 2.1 AA on every step: axe at desktop and phone size, a run with the keyboard alone, focus
that follows the page, status never in colour alone, reduced motion honoured, no sideways scroll
on a 360 px phone. Screenshots of every step go to test-artifacts/page/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from server.bench.server import Server
from tests.e2e.conftest import DESKTOP, PHONE, AxeCheck, PageCheck, Snap, run_check

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

# The symbol CSS puts before each status word, and the word itself.
STATUS_SIGNS = """() => [...document.querySelectorAll("[data-status] > .status-icon")]
  .filter((icon) => icon.checkVisibility())
  .map((icon) => ({
    status: icon.parentElement.dataset.status,
    symbol: getComputedStyle(icon, "::before").content,
    words: icon.parentElement.textContent.trim(),
  }))"""


async def assert_fits(page: Page, viewport: ViewportSize) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= viewport["width"], f"scrolls sideways: {width} > {viewport['width']}"


async def assert_status_not_colour_alone(page: Page) -> None:
    signs: list[dict[str, str]] = await page.evaluate(STATUS_SIGNS)
    assert signs
    for sign in signs:
        assert sign["symbol"] not in ("none", "normal", '""'), sign
        assert sign["words"], sign
    symbols = {sign["status"]: sign["symbol"] for sign in signs}
    assert len(set(symbols.values())) == len(symbols), f"two statuses share a symbol: {symbols}"


async def check_step(page: Page, name: str, axe_check: AxeCheck, snap: Snap) -> None:
    """axe, the width and a screenshot at desktop size, then the same at phone size."""
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(viewport)
        await page.evaluate("() => new Promise((resolve) => requestAnimationFrame(resolve))")
        await axe_check(page, f"{name}-{size}")
        await assert_fits(page, viewport)
        await snap(page, f"step-{name}-{size}")
    await page.set_viewport_size(DESKTOP)


async def test_every_step_passes_axe(
    chromium: Browser, server: Server, page_check: PageCheck, axe_check: AxeCheck, snap: Snap
) -> None:
    check = page_check(server, minutes=5)
    context = await chromium.new_context(viewport=DESKTOP, reduced_motion="reduce")
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("join")).to_be_visible()
        await check_step(page, "welcome", axe_check, snap)

        async def running_and_speakers_steps() -> None:
            await expect(page.get_by_test_id("brightness")).to_contain_text("good", timeout=15_000)
            await assert_status_not_colour_alone(page)
            # prefers-reduced-motion: the "checking" symbol stands still, the meter jumps.
            icon = page.locator("[data-testid=status-network] .status-icon")
            assert await icon.evaluate("(el) => getComputedStyle(el).animationName") == "none"
            bar = page.locator(".mic-meter-bar")
            assert await bar.evaluate("(el) => getComputedStyle(el).transitionDuration") == "0s"
            await check_step(page, "running", axe_check, snap)
            await expect(page.get_by_test_id("speakers-step")).to_have_attribute(
                "data-voice", "playing", timeout=20_000
            )
            await check_step(page, "speakers", axe_check, snap)

        assert await run_check(page, before_confirm=running_and_speakers_steps) == "ready"
        await assert_status_not_colour_alone(page)
        await check_step(page, "result-ready", axe_check, snap)
        await page.get_by_test_id("finish").click()
        await expect(page.get_by_test_id("feedback")).to_be_visible()
        await check_step(page, "feedback", axe_check, snap)
        await page.get_by_test_id("send-feedback").click()
        await expect(page.get_by_test_id("feedback-error")).to_be_visible()
        await check_step(page, "feedback-error", axe_check, snap)
        await page.get_by_test_id("ease-2").check()
        await page.get_by_test_id("send-feedback").click()
        await expect(page.get_by_test_id("feedback-thanks")).to_be_focused()
        await check_step(page, "feedback-thanks", axe_check, snap)
    finally:
        await context.close()


async def test_problem_steps_pass_axe(
    chromium: Browser, server: Server, page_check: PageCheck, axe_check: AxeCheck, snap: Snap
) -> None:
    """The steps a candidate meets when something is wrong: the camera blocked, the network
    blocked (a local check, with advice for IT), an unknown link."""
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        blocked = await context.new_page()
        await blocked.add_init_script(
            "navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
            "navigator.permissions.query = async () => ({ state: 'denied' });"
        )
        await blocked.goto(page_check(server)["candidate_url"])
        await blocked.get_by_test_id("start-check").click()
        await expect(blocked.get_by_test_id("guidance")).to_be_visible()
        await check_step(blocked, "permission-denied", axe_check, snap)

        # Relayed candidates only, and no relay: not one candidate, as on a network that
        # blocks UDP and has no TURN server.
        no_route = await context.new_page()
        await no_route.add_init_script(
            """(() => {
              const Native = window.RTCPeerConnection;
              window.RTCPeerConnection = class extends Native {
                constructor(config) {
                  super({ ...config, iceServers: [], iceTransportPolicy: "relay" });
                }
              };
            })();"""
        )
        await no_route.goto(page_check(server)["candidate_url"])
        await no_route.get_by_test_id("start-check").click()
        await expect(no_route.get_by_test_id("it-advice")).to_be_visible(timeout=20_000)
        await check_step(no_route, "result-network-blocked", axe_check, snap)

        unknown = await context.new_page()
        await unknown.goto(server.base_url + "/c/" + "x" * 32)
        await expect(unknown.get_by_test_id("load-error")).to_be_visible()
        await check_step(unknown, "unknown-link", axe_check, snap)
    finally:
        await context.close()


async def tab_to(page: Page, testid: str, limit: int = 40) -> list[str]:
    """Presses Tab until the element is focused; returns what got focus on the way. Every stop
    must show where focus is."""
    stops: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        stop: dict[str, Any] = await page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              return {
                id: el.dataset.testid || el.id || el.tagName.toLowerCase(),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
              };
            }"""
        )
        assert stop["outline"], f"focus is not visible on {stop['id']}"
        stops.append(stop["id"])
        if stop["id"] == testid:
            return stops
    raise AssertionError(f"Tab never reached {testid}: {stops}")


async def focus_drawn(page: Page) -> bool:
    """Whether the focused element matches :focus-visible and draws an outline of 2 px or more."""
    drawn: bool = await page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return el.matches(":focus-visible") && style.outlineStyle !== "none"
            && parseFloat(style.outlineWidth) >= 2;
        }"""
    )
    return drawn


async def test_on_a_phone_the_speakers_card_comes_into_sight(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    """At 360 px the card is below the preview: when it appears it is scrolled into view whole,
    last button too, and the heading that took focus for screen readers draws no outline for a
    candidate who clicked Start."""
    check = page_check(server)
    context = await chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        await expect(page.get_by_role("heading", name="How you look and sound")).to_be_focused()
        assert not await focus_drawn(page)
        speakers = page.get_by_test_id("speakers-step")
        await expect(speakers).to_be_visible(timeout=20_000)
        await expect(page.get_by_role("heading", name="Now listen")).to_be_focused()
        await expect(speakers).to_be_in_viewport(ratio=0.98)
        assert not await focus_drawn(page)
    finally:
        await context.close()


async def test_the_whole_check_by_keyboard_alone(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    posted: list[dict[str, Any]] = []
    try:
        page = await context.new_page()
        page.on(
            "request",
            lambda request: (
                posted.append(json.loads(request.post_data or "{}"))
                if request.url.endswith("/feedback")
                else None
            ),
        )
        await page.goto(check["candidate_url"])
        await expect(page.get_by_test_id("start-check")).to_be_enabled()
        stops = await tab_to(page, "start-check")
        assert stops[0] == "language", "the language comes first, for those who need another"
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name="How you look and sound")).to_be_focused()
        assert await focus_drawn(page), "a keyboard user sees where focus went"

        await expect(page.get_by_role("heading", name="Now listen")).to_be_focused(timeout=20_000)
        assert await focus_drawn(page)
        await tab_to(page, "confirm-speakers")
        await page.keyboard.press("Space")
        overall = page.get_by_test_id("overall")
        await expect(overall).to_be_focused(timeout=20_000)
        await tab_to(page, "finish")
        await page.keyboard.press("Enter")
        await expect(page.get_by_test_id("done")).to_be_focused()

        # Tab enters the rating at its first choice, Space picks it (the arrow keys move
        # along the scale, as in any radio group: test_page_feedback.py).
        await tab_to(page, "ease-1")
        await page.keyboard.press("Space")
        await expect(page.get_by_test_id("ease-1")).to_be_checked()
        await tab_to(page, "feedback-comment")
        await page.keyboard.type("Easy to follow.")
        await tab_to(page, "send-feedback")
        await page.keyboard.press("Enter")
        await expect(page.get_by_test_id("feedback-thanks")).to_be_focused()
    finally:
        await context.close()
    assert posted[-1]["ease"] == 1
    assert posted[-1]["comment"] == "Easy to follow."


async def test_motion_where_it_is_welcome(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    """Without the reduced-motion preference, "checking" pulses and the meter glides."""
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP, reduced_motion="no-preference")
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        icon = page.locator("[data-testid=status-camera] .status-icon")
        await expect(icon).to_be_visible()
        assert await icon.evaluate("(el) => getComputedStyle(el).animationName") == "pulse"
        bar = page.locator(".mic-meter-bar")
        assert await bar.evaluate("(el) => getComputedStyle(el).transitionDuration") != "0s"
    finally:
        await context.close()
