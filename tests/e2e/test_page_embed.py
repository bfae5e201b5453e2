"""The check inside a vendor's page: an iframe on another origin (http://localhost:<port> framing
http://127.0.0.1:<port>) completes a check when it is given allow="camera; microphone; autoplay",
explains browser.iframe_permissions when it is not, and is refused to origins not allowed."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, ConsoleMessage, expect

from server.bench.server import Server, free_port
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    PageCheck,
    Snap,
    organisation,
    run_check,
    stored_result,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vendor</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Vendor interview tool</h1>
<iframe src="{src}" {allow} title="Device check" style="width: 100%; height: 1400px; border: 0">
</iframe></body></html>"""


@dataclasses.dataclass(frozen=True)
class Host:
    origin: str
    port: int


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def host() -> AsyncIterator[Host]:
    """A vendor's site on its own origin: GET /?src=URL&allow=0|1 frames URL."""

    async def page(request: web.Request) -> web.Response:
        allow = 'allow="camera; microphone; autoplay"' if request.query.get("allow") == "1" else ""
        body = HOST_PAGE.format(src=request.query["src"], allow=allow)
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield Host(origin=f"http://localhost:{port}", port=port)
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def vendor(server: Server, host: Host) -> Server:
    """The shared server as seen by an organisation whose pages live on the host's origin."""
    return organisation(server, "Vendor", host.origin)


def framed(host: Host, candidate_url: str, allow: bool) -> str:
    return f"{host.origin}/?allow={int(allow)}&src={candidate_url}"


async def test_a_check_completes_in_a_cross_origin_iframe(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(vendor)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto(framed(host, check["candidate_url"], allow=True))
        frame = page.frame_locator("iframe")

        async def lit_well() -> None:
            await expect(frame.get_by_test_id("brightness")).to_contain_text("good", timeout=15_000)

        shown = await run_check(frame, before_confirm=lit_well)
        await snap(page, "embedded-result-desktop")
        await frame.get_by_test_id("finish").click()
        await expect(frame.get_by_test_id("feedback")).to_be_visible()
    finally:
        await context.close()
    result = await stored_result(vendor, check["id"])
    assert result["overall"] == shown
    # What the frame measured; the network may warn on a machine busy with other work.
    for name in ("camera", "lighting", "microphone", "speakers"):
        assert result["checks"][name]["status"] == "pass", result["checks"][name]


async def test_without_allow_the_frame_explains_and_offers_a_tab(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(vendor)
    context = await chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        await context.add_init_script(
            """(() => {
              const media = navigator.mediaDevices;
              if (!media) return;
              const open = media.getUserMedia.bind(media);
              window.__asked = 0;
              media.getUserMedia = (constraints) => {
                window.__asked += 1;
                return open(constraints);
              };
            })();"""
        )
        page = await context.new_page()
        await page.goto(framed(host, check["candidate_url"], allow=False))
        frame = page.frame_locator("iframe")
        await frame.get_by_test_id("start-check").click()
        guidance = frame.get_by_test_id("guidance")
        await expect(guidance).to_have_attribute("data-problem", "iframe")
        await expect(guidance).to_have_attribute("data-reasons", "browser.iframe_permissions")
        await expect(frame.get_by_role("heading", level=1)).to_have_text(
            "This page can\u2019t use your camera here"
        )
        await expect(guidance).to_contain_text('allow="camera; microphone; autoplay"')
        link = frame.get_by_role("link", name="Open the check in a new tab")
        await expect(link).to_have_attribute("href", check["candidate_url"])
        await expect(link).to_have_attribute("target", "_blank")
        # Trying again in the same frame cannot work: the tab is the way.
        await expect(frame.get_by_test_id("try-again")).to_be_hidden()
        # Nothing was asked: the browser would only have refused.
        the_frame = page.frames[1]
        assert await the_frame.evaluate("window.__asked") == 0
        await snap(page, "embedded-without-allow-phone")
    finally:
        await context.close()


async def test_an_origin_not_allowed_cannot_frame_the_check(
    chromium: Browser, server: Server, host: Host, page_check: PageCheck
) -> None:
    """The shared server's own organisation allows only its own origin, not the host's."""
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        page = await context.new_page()
        refused: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_console(message: ConsoleMessage) -> None:
            if "frame-ancestors" in message.text and not refused.done():
                refused.set_result(message.text)

        page.on("console", on_console)
        await page.goto(framed(host, check["candidate_url"], allow=True))
        assert "frame-ancestors" in await asyncio.wait_for(refused, 10)
        assert await page.frame_locator("iframe").get_by_test_id("start-check").count() == 0
    finally:
        await context.close()
