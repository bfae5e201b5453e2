"""Camera and microphone permission: explained before the browser asks, and when it is refused,
what to do for this browser and system, with a "Try again" that works without reloading."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from server.bench.server import Server
from tests.e2e.conftest import (
    CHROMIUM_FLAGS,
    DESKTOP,
    PHONE,
    MediaFiles,
    PageCheck,
    Snap,
    launched_chromium,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/126.0.0.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
)

# Replaces getUserMedia so that its first call fails as a given browser fails it (and answers
# the Permissions API as that browser would); later calls reach the real fake devices.
FAIL_FIRST = """
(() => {
  const [name, message, permission, delayMs] = %s;
  const media = navigator.mediaDevices;
  const real = media.getUserMedia.bind(media);
  let calls = 0;
  window.__gumCalls = () => calls;
  media.getUserMedia = async (constraints) => {
    calls += 1;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (calls === 1 && name) throw new DOMException(message, name);
    return real(constraints);
  };
  if (permission) {
    navigator.permissions.query = async () => ({ state: permission });
  }
})();
"""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def asking_chromium(media_files: MediaFiles) -> AsyncIterator[Browser]:
    """Chromium that asks for permission like a real one, where nobody answers "Allow":
    without --use-fake-ui-for-media-stream, Playwright's Chromium refuses unless the context
    was granted the permission."""
    flags = [
        *(flag for flag in CHROMIUM_FLAGS if flag != "--use-fake-ui-for-media-stream"),
        f"--use-file-for-fake-video-capture={media_files.well_lit}",
        f"--use-file-for-fake-audio-capture={media_files.speech}",
    ]
    async with launched_chromium(flags) as browser:
        yield browser


async def guidance_of(page: Page) -> dict[str, Any]:
    guidance = page.get_by_test_id("guidance")
    await expect(guidance).to_be_visible()
    result: dict[str, Any] = await guidance.evaluate(
        """(el) => ({
          problem: el.dataset.problem, browser: el.dataset.browser, os: el.dataset.os,
          reasons: el.dataset.reasons,
          steps: [...el.querySelectorAll("li")].map((li) => li.dataset.key),
        })"""
    )
    return result


async def test_denied_then_allowed_without_reloading(
    asking_chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    origin = server.base_url
    context = await asking_chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.evaluate("window.__samePage = true")
        await page.get_by_test_id("start-check").click()
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_text("Your camera and microphone are blocked")
        await expect(heading).to_be_focused()
        guidance = await guidance_of(page)
        assert guidance == {
            "problem": "denied",
            "browser": "chrome",
            "os": "other",
            "reasons": "camera.denied microphone.denied",
            "steps": ["guide.denied.chrome", "guide.system.other"],
        }
        await expect(page.get_by_test_id("guidance")).to_contain_text(
            "Switch on Camera and Microphone, then press Try again below."
        )
        await expect(page.get_by_test_id("continue-anyway")).to_be_visible()
        await snap(page, "permission-denied-desktop")

        # The candidate allows the camera in the browser's site settings, then tries again.
        await context.grant_permissions(["camera", "microphone"], origin=origin)
        await page.get_by_test_id("try-again").click()
        await expect(page.get_by_test_id("brightness")).to_contain_text("good", timeout=15_000)
        assert await page.evaluate("window.__samePage") is True, "the page was reloaded"
    finally:
        await context.close()


async def test_the_prompt_is_explained_while_the_browser_asks(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    context = await chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        await context.add_init_script(FAIL_FIRST % json.dumps(["", "", "prompt", 2500]))
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        asking = page.get_by_test_id("asking")
        await expect(asking).to_be_visible()
        await expect(asking).to_contain_text("Choose Allow")
        await expect(page.locator("[aria-live]")).to_contain_text("Choose Allow")
        await snap(page, "permission-asking-phone")
        await expect(asking).to_be_hidden(timeout=5000)
        await expect(page.get_by_test_id("brightness")).to_contain_text("good", timeout=15_000)
    finally:
        await context.close()


async def test_no_prompt_is_explained_when_permission_was_given(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    """A camera can take a second or two to start: with permission already given there is no
    prompt, so the page says nothing about one."""
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        await context.add_init_script(FAIL_FIRST % json.dumps(["", "", "granted", 1500]))
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        await expect(page.get_by_text("Now say your name")).to_be_visible()
        # Nothing is announced between the start and the prompt to speak, so this still holds
        # what was said last.
        await expect(page.locator("[aria-live]")).to_have_text(
            "The check has started. Look into the camera and say a few words."
        )
        await expect(page.get_by_test_id("asking")).to_be_hidden()
    finally:
        await context.close()


@pytest.mark.parametrize(
    ("error", "user_agent", "expected"),
    [
        pytest.param(
            ("NotAllowedError", "Permission denied by system", "granted"),
            CHROME_WINDOWS,
            ("system", "chrome", "windows", ["guide.system.windows"]),
            id="windows-privacy-settings",
        ),
        pytest.param(
            ("NotAllowedError", "Permission denied by system", "granted"),
            CHROME_MAC,
            ("system", "chrome", "macos", ["guide.system.macos"]),
            id="macos-privacy-settings",
        ),
        pytest.param(
            ("NotAllowedError", "The request is not allowed by the user agent", "denied"),
            SAFARI_MAC,
            ("denied", "safari_mac", "macos", ["guide.denied.safari_mac", "guide.system.macos"]),
            id="safari-mac-denied",
        ),
        pytest.param(
            ("NotAllowedError", "The request is not allowed by the user agent", "prompt"),
            SAFARI_IPHONE,
            ("denied", "safari_ios", "ios", ["guide.denied.safari_ios", "guide.system.ios"]),
            id="safari-ios-denied",
        ),
        pytest.param(
            ("NotAllowedError", "Permission denied", "denied"),
            CHROME_ANDROID,
            (
                "denied",
                "chrome_android",
                "android",
                ["guide.denied.chrome_android", "guide.system.android"],
            ),
            id="chrome-android-denied",
        ),
        pytest.param(
            ("NotAllowedError", "Permission denied", "denied"),
            EDGE_WINDOWS,
            ("denied", "edge", "windows", ["guide.denied.edge", "guide.system.windows"]),
            id="edge-denied",
        ),
        pytest.param(
            ("NotAllowedError", "The request is not allowed", "denied"),
            FIREFOX_WINDOWS,
            ("denied", "firefox", "windows", ["guide.denied.firefox", "guide.system.windows"]),
            id="firefox-denied",
        ),
        pytest.param(
            ("NotAllowedError", "Permission dismissed", "prompt"),
            CHROME_WINDOWS,
            ("dismissed", "chrome", "windows", ["guide.dismissed"]),
            id="prompt-dismissed",
        ),
        pytest.param(
            ("NotFoundError", "Requested device not found", "prompt"),
            CHROME_MAC,
            ("not_found", "chrome", "macos", ["guide.not_found", "guide.system.macos"]),
            id="not-found",
        ),
        pytest.param(
            ("NotReadableError", "Could not start video source", "granted"),
            EDGE_WINDOWS,
            (
                "in_use",
                "edge",
                "windows",
                ["guide.in_use", "guide.system.windows", "guide.in_use.restart"],
            ),
            id="in-use-windows",
        ),
        pytest.param(
            ("AbortError", "Starting videoinput failed", "granted"),
            FIREFOX_LINUX,
            ("in_use", "firefox", "other", ["guide.in_use", "guide.in_use.restart"]),
            id="in-use-firefox",
        ),
    ],
)
async def test_each_problem_gets_guidance_for_its_browser_and_system(
    chromium: Browser,
    server: Server,
    page_check: PageCheck,
    snap: Snap,
    error: tuple[str, str, str | None],
    user_agent: str,
    expected: tuple[str, str, str, list[str]],
    request: pytest.FixtureRequest,
) -> None:
    check = page_check(server)
    phone = any(word in user_agent for word in ("iPhone", "Android"))
    context = await chromium.new_context(
        viewport=PHONE if phone else DESKTOP, user_agent=user_agent, is_mobile=phone
    )
    try:
        await context.add_init_script(FAIL_FIRST % json.dumps([*error, 0]))
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        guidance = await guidance_of(page)
        problem, browser, os, steps = expected
        assert (guidance["problem"], guidance["browser"], guidance["os"]) == (problem, browser, os)
        assert guidance["steps"] == steps
        # Every step is a text from the catalog, never a bare key.
        for item in await page.get_by_test_id("guidance").locator("li").all_inner_texts():
            assert not item.startswith("guide."), item
        name = request.node.callspec.id
        await snap(page, f"permission-{name}-{'phone' if phone else 'desktop'}")
        # Whatever went wrong, the candidate can try again at once, and it works.
        await page.get_by_test_id("try-again").click()
        await expect(page.get_by_text("Now say your name")).to_be_visible()
        assert await page.evaluate("window.__gumCalls()") == 2
    finally:
        await context.close()


async def test_continue_without_the_check(
    asking_chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server)
    context = await asking_chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        await page.get_by_test_id("continue-anyway").click()
        await expect(page.get_by_test_id("done")).to_be_focused()
    finally:
        await context.close()


PLATFORMS = [
    (CHROME_WINDOWS, None, "chrome", "windows"),
    (EDGE_WINDOWS, None, "edge", "windows"),
    (CHROME_MAC, None, "chrome", "macos"),
    (FIREFOX_WINDOWS, None, "firefox", "windows"),
    (FIREFOX_LINUX, None, "firefox", "other"),
    (SAFARI_MAC, None, "safari_mac", "macos"),
    (SAFARI_IPHONE, None, "safari_ios", "ios"),
    (CHROME_IPHONE, None, "safari_ios", "ios"),
    (CHROME_ANDROID, None, "chrome_android", "android"),
    (SAMSUNG_ANDROID, None, "chrome_android", "android"),
    # iPadOS asks for desktop pages as a Mac; the touch screen tells them apart.
    (SAFARI_MAC, {"maxTouchPoints": 5}, "safari_ios", "ios"),
    # Chromium's reduced user agent: Client Hints name Edge, the string does not.
    (
        CHROME_WINDOWS,
        {"userAgentData": {"brands": [{"brand": "Microsoft Edge"}], "platform": "Windows"}},
        "edge",
        "windows",
    ),
    ("", {"userAgentData": {"brands": [], "platform": "macOS"}}, "other", "macos"),
    ("curl/8.0", None, "other", "other"),
]


async def test_platform_detection_from_user_agents(chromium: Browser, server: Server) -> None:
    """The pure module on its own, against user agents the real browsers send."""
    context = await chromium.new_context()
    try:
        page = await context.new_page()
        await page.goto(server.base_url + "/c/" + "x" * 32)
        cases = [
            {"userAgent": ua, **(extra or {}), "expected": [browser, os]}
            for ua, extra, browser, os in PLATFORMS
        ]
        results = await page.evaluate(
            """async (cases) => {
              const { detectPlatform } = await import("/widget/js/guidance.js");
              return cases.map((nav) => {
                const found = detectPlatform(nav);
                return [found.browser, found.os];
              });
            }""",
            cases,
        )
        assert results == [case["expected"] for case in cases]
    finally:
        await context.close()


async def test_a_refusal_in_a_frame_of_unknown_policy_also_offers_a_tab(
    chromium: Browser, server: Server
) -> None:
    """Firefox and Safari cannot say whether the embedder allowed the camera: a refusal there
    may be the embedder's, so the guidance adds a tab of its own to the browser's steps."""
    context = await chromium.new_context()
    try:
        page = await context.new_page()
        await page.goto(server.base_url + "/c/" + "x" * 32)
        steps = await page.evaluate(
            """async () => {
              const { guidanceFor } = await import("/widget/js/guidance.js");
              const firefox = { browser: "firefox", os: "windows" };
              return [
                guidanceFor("denied", firefox, true).steps,
                guidanceFor("denied", firefox, false).steps,
                guidanceFor("not_found", firefox, true).steps,
              ];
            }"""
        )
        assert steps == [
            ["guide.denied.firefox", "guide.system.windows", "guide.iframe"],
            ["guide.denied.firefox", "guide.system.windows"],
            ["guide.not_found", "guide.system.windows"],
        ]
    finally:
        await context.close()
