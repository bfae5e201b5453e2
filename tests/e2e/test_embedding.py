"""A vendor's page embeds the check with embed.js, on real origins in real Chromium: the host page
on http://localhost:<port> (origin B) mounts the check from http://127.0.0.1:<port> (origin A);
a stranger's frame on the host page is on http://127.0.0.1:<host port> (origin C). The host
hears ready, progress, resize and result from its own frame only; the check page obeys its own
host only; destroy() leaves nothing behind."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import re
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    Page,
    Route,
    ViewportSize,
    expect,
)

from server.bench.server import Server, free_port
from tests.e2e.conftest import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    VERDICT_TIMEOUT_MS,
    PageCheck,
    organisation,
    run_check,
    stored_result,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

TITLE = "Camera and microphone check \u2013 Greenroom"
"""The page's title in English (page.title), which the frame takes as its own."""
ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
EXAMPLE = ROOT / "docs" / "examples" / "vendor-page.html"
DEMO_GREENROOM = "http://127.0.0.1:8080"
"""Where the example expects Greenroom: `make run`."""
EMBED_JS = WIDGET / "embed.js"
# The host page records what it hears (RECORD_ERRORS what goes wrong); tests mount from script.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vendor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ margin: 0; font-family: sans-serif }} header {{ height: {header}px }}</style>
<script>
  window.__events = [];
  window.Greenroom = window.Greenroom || {{ q: [] }};
</script></head>
<body><header><h1>Vendor interview tool</h1></header>
<div id="slot"></div><div id="other"></div>
{body}
<script src="{greenroom}/embed.js" async></script>
</body></html>"""
QUEUED = """<script>
  Greenroom.q.push(["mount", "#slot", {{ url: {url}, onEvent: (m) => __events.push(m) }},
                    (handle) => (window.handle = handle)]);
</script>
<script src="{greenroom}{pinned}" async></script>"""
DECLARED = """<div id="declared" data-greenroom-url="{url}" data-greenroom-locale="sv"></div>
<script>
  window.__declared = [];
  document.getElementById("declared")
    .addEventListener("greenroom", (event) => __declared.push(event.detail));
</script>
<script src="{greenroom}{pinned}" async></script>"""
MOUNT = """([url, locale]) => {
  const options = { url, onEvent: (message) => __events.push(message) };
  if (locale) options.locale = locale;
  window.handle = Greenroom.mount("#slot", options);
  return window.handle.embedId;
}"""
SEEN = "(type) => __events.filter((m) => m.type === type).length"
# Every frame, the check page's too: what was thrown and not caught.
RECORD_ERRORS = """
  window.__uncaught = [];
  window.addEventListener("error", (event) => __uncaught.push(String(event.message)));
  window.addEventListener("unhandledrejection", (event) => __uncaught.push(String(event.reason)));
"""


@dataclasses.dataclass(frozen=True)
class Host:
    origin: str
    """The vendor's page: http://localhost:<port>."""
    stranger: str
    """Someone else's frame on it: http://127.0.0.1:<port>, the same server by another name."""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def host(server: Server) -> AsyncIterator[Host]:
    """The vendor's site. GET /?header=PX&mode=plain|queued|declared&url=CHECK_URL is its page,
    with embed.js from the Greenroom server; GET /stranger an empty page for a foreign frame;
    GET /vendor-page.html the example of docs/examples, pointed at this Greenroom server."""

    async def page(request: web.Request) -> web.Response:
        url = request.query.get("url", "")
        body = {
            "plain": "",
            "queued": QUEUED.format(
                url=json.dumps(url), greenroom=server.base_url, pinned=pinned_path(server)
            ),
            "declared": DECLARED.format(
                url=url, greenroom=server.base_url, pinned=pinned_path(server)
            ),
        }[request.query.get("mode", "plain")]
        html = HOST_PAGE.format(
            header=int(request.query.get("header", "80")), body=body, greenroom=server.base_url
        )
        return web.Response(text=html, content_type="text/html")

    async def stranger(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>Ad</title>", content_type="text/html")

    async def example(request: web.Request) -> web.Response:
        html = EXAMPLE.read_text().replace(DEMO_GREENROOM, server.base_url)
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/stranger", stranger)
    app.router.add_get("/vendor-page.html", example)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Host(origin=f"http://localhost:{port}", stranger=f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def vendor(server: Server, host: Host) -> Server:
    """The shared server as seen by an organisation whose pages are on the host's origin."""
    return organisation(server, "Embedding vendor", host.origin)


def pinned_path(server: Server) -> str:
    with urllib.request.urlopen(server.base_url + "/embed.js", timeout=5) as response:
        link: str = response.headers["Link"]
    found = re.fullmatch(r'<(/embed\.v1\.[0-9a-f]{12}\.js)>; rel="canonical"', link)
    assert found, link
    return found[1]


async def open_host(
    browser: Browser, host: Host, viewport: ViewportSize = DESKTOP, **query: str
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=viewport)
    await context.add_init_script(RECORD_ERRORS)
    page = await context.new_page()
    params = "&".join(f"{key}={value}" for key, value in query.items())
    await page.goto(f"{host.origin}/?{params}")
    await page.wait_for_function("window.Greenroom && window.Greenroom.loaded")
    return context, page


async def mount(page: Page, url: str, locale: str | None = None) -> str:
    embed_id: str = await page.evaluate(MOUNT, [url, locale])
    await page.wait_for_function(SEEN, arg="ready")
    return embed_id


async def events(page: Page, type_: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate("() => __events")
    return [event for event in found if type_ is None or event["type"] == type_]


def check_frame(page: Page) -> Frame:
    frames = [frame for frame in page.frames if "/c/" in frame.url]
    assert len(frames) == 1, [frame.url for frame in page.frames]
    return frames[0]


async def no_uncaught_errors(page: Page) -> None:
    for frame in page.frames:
        if not frame.is_detached():
            assert await frame.evaluate("() => window.__uncaught") == [], frame.url


async def frame_height(page: Page) -> float:
    height: float = await page.evaluate(
        "() => document.querySelector('#slot iframe').getBoundingClientRect().height"
    )
    return height


def assert_protocol(messages: list[dict[str, Any]], embed_id: str) -> None:
    assert messages
    for message in messages:
        assert set(message) == {"ns", "v", "embed_id", "type", "payload"}, message
        assert (message["ns"], message["v"], message["embed_id"]) == ("greenroom", 1, embed_id)


async def focused(frame: Frame) -> dict[str, Any]:
    """Where the focus is in the frame, and whether it is drawn."""
    focus: dict[str, Any] = await frame.evaluate(
        """() => {
          const el = document.activeElement;
          return {text: el.textContent.trim(), visible: el.matches(":focus-visible"),
                  outline: getComputedStyle(el).outlineStyle};
        }"""
    )
    return focus


async def test_a_vendor_page_hears_the_whole_check(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    check = page_check(vendor)
    # A tall header: the frame starts low on the host's page, and grows past its fold.
    context, page = await open_host(chromium, host, header="300")
    try:
        embed_id = await mount(page, check["candidate_url"])
        iframe = page.locator("#slot iframe")
        assert await iframe.get_attribute("allow") == "camera; microphone; autoplay"
        await expect(iframe).to_have_attribute("title", TITLE)
        src = await iframe.get_attribute("src") or ""
        assert src.startswith(check["candidate_url"] + "?")
        assert f"embed_id={embed_id}" in src
        frame = page.frame_locator("#slot iframe")
        # Sized to its content: the frame has no scrollbar of its own.
        inner = check_frame(page)
        await page.wait_for_function(
            """(want) => Math.abs(document.querySelector('#slot iframe')
                 .getBoundingClientRect().height - want) < 2""",
            arg=await inner.evaluate("document.documentElement.getBoundingClientRect().height"),
        )

        async def speakers_in_sight() -> None:
            speakers = frame.get_by_test_id("speakers-step")
            await expect(speakers).to_be_visible(timeout=VERDICT_TIMEOUT_MS)
            # Scrolled into the host's viewport, whole, buttons and all.
            await expect(speakers).to_be_in_viewport(ratio=0.95)
            # Start was clicked with the mouse: focus moved for screen readers, undrawn.
            assert await focused(inner) == {
                "text": "Now listen",
                "visible": False,
                "outline": "none",
            }

        shown = await run_check(frame, before_confirm=speakers_in_sight)
        await page.wait_for_function(SEEN, arg="result")
        await expect(frame.get_by_test_id("overall")).to_be_in_viewport(ratio=1)
        await in_sight(page, "embedding-result-desktop")
        heard = await events(page)
        await no_uncaught_errors(page)
    finally:
        await context.close()

    assert_protocol(heard, embed_id)
    assert heard[0]["type"] == "ready"
    assert heard[0]["payload"] == {
        "locale": "en",
        "title": TITLE,
    }
    steps = [
        (m["payload"]["step"], m["payload"]["status"]) for m in heard if m["type"] == "progress"
    ]
    for expected in [
        ("browser", "pass"),
        ("permissions", "running"),
        ("permissions", "pass"),
        ("camera", "running"),
        ("camera", "pass"),
        ("lighting", "pass"),
        ("microphone", "pass"),
        ("speakers", "pass"),
    ]:
        assert expected in steps, (expected, steps)
    assert steps.index(("camera", "running")) < steps.index(("camera", "pass"))
    assert ("network", "running") in steps
    assert any(step == "network" and status != "running" for step, status in steps)
    heights = [m["payload"]["height"] for m in heard if m["type"] == "resize"]
    assert heights
    assert all(isinstance(h, int) and h > 0 for h in heights), heights
    [result] = [m["payload"] for m in heard if m["type"] == "result"]
    stored = await stored_result(vendor, check["id"])
    # Failures first, then warnings, each once, as the dashboard lists them.
    ranked = sorted(
        (
            (outcome["status"], code)
            for outcome in stored["checks"].values()
            for code in outcome["reasons"]
        ),
        key=lambda pair: {"fail": 0, "warn": 1}.get(pair[0], 2),
    )
    assert result == {
        "check_id": check["id"],
        "attempt_id": stored["attempt_id"],
        "overall": shown,
        "status": shown,
        "reasons": list(dict.fromkeys(code for _, code in ranked)),
    }
    # References and codes only: nothing that names or reaches the candidate.
    everything = json.dumps(heard)
    for secret in ("Alex", "alex@example.com", check["candidate_url"].rsplit("/", 1)[-1]):
        assert secret not in everything


async def scrolled(page: Page) -> None:
    """Waits until the host page has stopped scrolling."""
    await page.wait_for_function(
        """() => new Promise((resolve) => {
          const before = scrollY;
          setTimeout(() => resolve(scrollY === before), 250);
        })"""
    )


async def in_sight(page: Page, name: str) -> None:
    """What the candidate sees now, as test-artifacts/page/<name>.png: the viewport only, since a
    full-page screenshot leaves a cross-origin frame's content outside the viewport unpainted."""
    ARTIFACTS.joinpath("page").mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "page" / f"{name}.png"))


async def test_framed_on_a_phone_the_step_to_act_on_comes_into_sight(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    """At 360 px, in Swedish (the mount's locale), the speakers card is brought into the host's
    viewport when it appears, and then the verdict."""
    check = page_check(vendor)
    context, page = await open_host(chromium, host, viewport=PHONE, header="120")
    try:
        await mount(page, check["candidate_url"], locale="sv")
        frame = page.frame_locator("#slot iframe")
        await expect(frame.locator("html")).to_have_attribute("lang", "sv")
        await expect(frame.get_by_test_id("start-check")).to_be_enabled()
        await in_sight(page, "embedding-welcome-phone")

        async def speakers_in_sight() -> None:
            speakers = frame.get_by_test_id("speakers-step")
            await expect(speakers).to_be_visible(timeout=VERDICT_TIMEOUT_MS)
            # The whole card, its last button too: focusing its heading alone would centre the
            # heading and leave "I didn't hear it" below the fold.
            await expect(speakers).to_be_in_viewport(ratio=0.98)
            await expect(speakers.get_by_role("heading", level=2)).to_have_text("Lyssna nu")
            await in_sight(page, "embedding-speakers-phone")

        await run_check(frame, before_confirm=speakers_in_sight)
        await expect(frame.get_by_test_id("overall")).to_be_in_viewport(ratio=1)
        await in_sight(page, "embedding-result-phone")
        width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"]
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def test_without_the_camera_the_host_hears_why(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    """The candidate refuses the camera: error `permissions` with camera.denied. A frame whose
    `allow` was lost on the way (here the host page swallows it) cannot ask at all: error
    `permissions` with browser.iframe_permissions, and the check is not started."""
    check = page_check(vendor)
    context, page = await open_host(chromium, host)
    try:
        await context.add_init_script(
            """if (location.pathname.startsWith("/c/")) {
                 navigator.mediaDevices.getUserMedia = () =>
                   Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
               }"""
        )
        await page.reload()
        await page.wait_for_function("window.Greenroom && window.Greenroom.loaded")
        await mount(page, check["candidate_url"])
        await page.evaluate("() => handle.start()")
        await page.wait_for_function(SEEN, arg="error")
        [refused] = await events(page, "error")
        assert refused["payload"] == {
            "code": "permissions",
            "reasons": ["camera.denied", "microphone.denied"],
        }
        progress = [
            (m["payload"]["step"], m["payload"]["status"])
            for m in await events(page)
            if m["type"] == "progress"
        ]
        checks = ("camera", "lighting", "microphone", "speakers", "network")
        # Started, then stopped before any could run: each ends skipped, none left running.
        assert progress == [
            ("browser", "pass"),
            ("permissions", "running"),
            *[(name, "running") for name in checks],
            ("permissions", "fail"),
            *[(name, "skipped") for name in checks],
        ]
        await page.evaluate("() => handle.destroy()")

        await page.evaluate(
            """() => Object.defineProperty(HTMLIFrameElement.prototype, "allow",
                                          { set() {}, get() { return ""; } })"""
        )
        await page.evaluate("() => (__events.length = 0)")
        await mount(page, check["candidate_url"])
        assert await page.locator("#slot iframe").get_attribute("allow") is None
        await page.evaluate("() => handle.start()")
        await page.wait_for_function(SEEN, arg="error")
        [no_allow] = await events(page, "error")
        assert no_allow["payload"] == {
            "code": "permissions",
            "reasons": ["browser.iframe_permissions"],
        }
        frame = page.frame_locator("#slot iframe")
        await expect(frame.get_by_test_id("guidance")).to_have_attribute("data-problem", "iframe")
        await no_uncaught_errors(page)
    finally:
        await context.close()


FORGED_RESULT = {
    "check_id": "f" * 32,
    "attempt_id": "f" * 32,
    "overall": "ready",
    "status": "ready",
    "reasons": [],
}


async def add_stranger(page: Page, host: Host) -> Frame:
    """Someone else's frame on the host's page (an advert, a chat widget): origin C."""
    await page.evaluate(
        """(src) => new Promise((resolve) => {
          const frame = document.createElement("iframe");
          frame.src = src;
          frame.onload = resolve;
          document.getElementById("other").append(frame);
        })""",
        f"{host.stranger}/stranger",
    )
    [stranger] = [frame for frame in page.frames if frame.url.endswith("/stranger")]
    return stranger


async def test_the_host_hears_its_own_frame_only(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    check = page_check(vendor)
    context, page = await open_host(chromium, host)
    try:
        embed_id = await mount(page, check["candidate_url"])
        height = await frame_height(page)
        stranger = await add_stranger(page, host)
        forged = [
            {"ns": "greenroom", "v": 1, "embed_id": embed_id, "type": kind, "payload": payload}
            for kind, payload in [
                ("result", FORGED_RESULT),
                ("ready", {"locale": "en", "title": "Forged"}),
                ("resize", {"height": 5}),
                ("error", {"code": "server", "reasons": []}),
            ]
        ]
        # A stranger knowing the embed_id, posting to anybody; the host page's own window too.
        await stranger.evaluate("(all) => all.forEach((m) => parent.postMessage(m, '*'))", forged)
        await page.evaluate("(all) => all.forEach((m) => window.postMessage(m, '*'))", forged)

        # The check's own frame, but not in the protocol, or not for this mount.
        genuine = check_frame(page)
        wrong: list[Any] = [
            {**forged[0], "ns": "other"},
            {**forged[0], "v": 2},
            {**forged[0], "v": "1"},
            {**forged[0], "embed_id": "0" * 32},
            {key: value for key, value in forged[0].items() if key != "embed_id"},
            {**forged[0], "type": "eval"},
            {**forged[0], "type": "hello"},
            {**forged[0], "payload": None},
            {**forged[0], "payload": [1]},
            {**forged[2], "payload": {"height": "5"}},
            {**forged[2], "payload": {"height": -5}},
            {**forged[2], "payload": {"height": float("inf")}},
            {**forged[2], "payload": {"height": 10**9}},
            json.dumps(forged[0]),
            None,
            [forged[0]],
            42,
        ]
        await genuine.evaluate(
            "([all, to]) => all.forEach((m) => parent.postMessage(m, to))", [wrong, host.origin]
        )
        # And then one that is the protocol, from the frame: it is heard, so the rest were not.
        control = {**forged[3], "payload": {"code": "control", "reasons": []}}
        await genuine.evaluate("([m, to]) => parent.postMessage(m, to)", [control, host.origin])
        await page.wait_for_function(SEEN, arg="error")
        heard = await events(page)
        assert [m["type"] for m in heard if m["type"] != "resize"] == ["ready", "error"]
        assert heard[-1]["payload"] == {"code": "control", "reasons": []}
        # Only the frame's own sizes: the last one it sent, or the one it had.
        sizes = [m["payload"]["height"] for m in heard if m["type"] == "resize"]
        assert await frame_height(page) == (sizes[-1] if sizes else height)
        assert await page.locator("#slot iframe").get_attribute("title") != "Forged"
        # A late listener hears the real ready, not the forged one.
        replayed = await page.evaluate(
            "() => new Promise((resolve) => handle.on('ready', resolve))"
        )
        assert replayed == heard[0]
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def test_the_check_obeys_its_own_host_only(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    """A stranger's frame asks the check to switch language and to start: nothing happens. The
    host asks the same: it does."""
    check = page_check(vendor)
    context, page = await open_host(chromium, host)
    try:
        embed_id = await mount(page, check["candidate_url"])
        frame = page.frame_locator("#slot iframe")
        stranger = await add_stranger(page, host)
        asks = [
            {"ns": "greenroom", "v": 1, "embed_id": embed_id, "type": kind, "payload": payload}
            for kind, payload in [("configure", {"locale": "sv"}), ("start", {})]
        ]
        await stranger.evaluate(
            "(all) => all.forEach((m) => parent.frames[0].postMessage(m, '*'))", asks
        )
        # The host's own window, in wrong shapes.
        wrong: list[Any] = [
            {**asks[0], "ns": "other"},
            {**asks[0], "v": 2},
            {**asks[0], "embed_id": "0" * 32},
            {**asks[0], "payload": {"locale": 7}},
            {**asks[0], "payload": "sv"},
            {**asks[1], "type": "Start"},
            json.dumps(asks[1]),
            None,
        ]
        await page.evaluate(
            """([all, to]) => all.forEach((m) =>
                 document.querySelector('#slot iframe').contentWindow.postMessage(m, to))""",
            [wrong, vendor.base_url],
        )
        await page.wait_for_timeout(1000)
        await expect(frame.locator("html")).to_have_attribute("lang", "en")
        await expect(frame.get_by_test_id("start-check")).to_be_visible()
        assert await events(page, "progress") == []

        await page.evaluate("() => handle.configure({ locale: 'sv' })")
        await expect(frame.locator("html")).to_have_attribute("lang", "sv")
        await expect(frame.get_by_test_id("start-check")).to_have_text("Starta kollen")
        await page.evaluate("() => handle.start()")
        await expect(frame.get_by_test_id("status-camera")).to_be_visible()
        await page.wait_for_function(SEEN, arg="progress")
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def test_a_host_not_on_the_allow_list_is_not_heard(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    """The browser frames the page (frame-ancestors allows the host), but the allow-list the page
    reads says otherwise: the page answers nothing and obeys nothing, even its own parent."""
    check = page_check(vendor)
    context, page = await open_host(chromium, host)

    async def elsewhere(route: Route) -> None:
        response = await route.fetch()
        info = await response.json()
        assert host.origin in info["embed_origins"]
        await route.fulfill(response=response, json={**info, "embed_origins": [vendor.base_url]})

    try:
        await context.route(re.compile(r"/c/[^/]+/info$"), elsewhere)
        embed_id = await page.evaluate(MOUNT, [check["candidate_url"], None])
        frame = page.frame_locator("#slot iframe")
        await expect(frame.get_by_test_id("start-check")).to_be_enabled()
        for kind, payload in [("hello", {}), ("configure", {"locale": "sv"}), ("start", {})]:
            message = {"ns": "greenroom", "v": 1, "embed_id": embed_id, "type": kind}
            await page.evaluate(
                """([m, to]) => document.querySelector('#slot iframe')
                     .contentWindow.postMessage(m, to)""",
                [{**message, "payload": payload}, vendor.base_url],
            )
        await page.wait_for_timeout(1000)
        assert await events(page) == []
        await expect(frame.locator("html")).to_have_attribute("lang", "en")
        await expect(frame.get_by_test_id("start-check")).to_be_visible()
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def message_listeners(page: Page) -> int:
    """How many `message` listeners the host page's window has (DevTools protocol)."""
    cdp = await page.context.new_cdp_session(page)
    try:
        window = await cdp.send("Runtime.evaluate", {"expression": "window"})
        found = await cdp.send(
            "DOMDebugger.getEventListeners", {"objectId": window["result"]["objectId"]}
        )
    finally:
        await cdp.detach()
    return sum(1 for listener in found["listeners"] if listener["type"] == "message")


async def test_destroy_leaves_nothing(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    check = page_check(vendor)
    context, page = await open_host(chromium, host)
    try:
        before = await message_listeners(page)
        slot = await page.evaluate("() => document.getElementById('slot').outerHTML")
        await mount(page, check["candidate_url"])
        assert await message_listeners(page) == before + 1
        await page.evaluate("() => handle.start()")
        await page.wait_for_function(
            """() => __events.some((m) => m.type === "progress"
                 && m.payload.step === "permissions" && m.payload.status === "pass")"""
        )
        await page.evaluate("() => handle.destroy()")
        assert await page.evaluate("() => document.getElementById('slot').outerHTML") == slot
        assert await page.locator("iframe").count() == 0
        assert len(page.frames) == 1
        assert await message_listeners(page) == before
        # A destroyed handle does nothing, and says nothing; the element can hold a check again.
        count = len(await events(page))
        await page.evaluate(
            """() => { handle.destroy(); handle.start(); handle.configure({locale: "sv"});
                       handle.on("result", () => {})(); }"""
        )
        assert len(await events(page)) == count
        # The page left: its session closed at once and the check is as it was.
        status = await asyncio.to_thread(vendor.api, "GET", f"/api/v1/checks/{check['id']}")
        for _ in range(50):
            if status["status"] == "not_started":
                break
            await asyncio.sleep(0.2)
            status = await asyncio.to_thread(vendor.api, "GET", f"/api/v1/checks/{check['id']}")
        assert status["status"] == "not_started"
        await mount(page, check["candidate_url"])
        assert await page.locator("#slot iframe").count() == 1
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def test_the_loader_queues_loads_once_and_mounts_declared_checks(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    """A call queued before embed.js loaded runs when it does; a second copy of the loader (here
    the pinned address) does nothing; a declared element gets its check, in its locale, and
    hears it as DOM events; two checks on one page each hear only their own frame."""
    queued, declared = page_check(vendor), page_check(vendor)
    context, page = await open_host(chromium, host, mode="queued", url=queued["candidate_url"])
    try:
        await page.wait_for_function(SEEN, arg="ready")
        assert await page.locator("#slot iframe").count() == 1
        assert await page.evaluate("() => typeof handle.destroy") == "function"
        # After loading, the queue runs a call at once.
        await page.evaluate(
            """(url) => Greenroom.q.push(["mount", "#other", { url },
                 (handle) => (window.second = handle)])""",
            declared["candidate_url"],
        )
        assert await page.locator("#other iframe").count() == 1
        first_id = await page.evaluate("() => handle.embedId")
        second_id = await page.evaluate("() => second.embedId")
        assert first_id != second_id
        second_ready = await page.evaluate(
            "() => new Promise((resolve) => second.on('ready', resolve))"
        )
        assert second_ready["embed_id"] == second_id
        assert {m["embed_id"] for m in await events(page)} == {first_id}
        await no_uncaught_errors(page)

        await page.goto(f"{host.origin}/?mode=declared&url={declared['candidate_url']}")
        await page.wait_for_function("() => __declared.some((m) => m.type === 'ready')")
        [ready] = await page.evaluate("() => __declared.filter((m) => m.type === 'ready')")
        assert ready["payload"]["locale"] == "sv"
        assert await page.locator("#declared iframe").count() == 1
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def test_wrong_options_are_refused_with_a_clear_console_error(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    check = page_check(vendor)
    context, page = await open_host(chromium, host)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    url = check["candidate_url"]
    try:
        cases = [
            ("Greenroom.mount('#nowhere', { url })", "no such element"),
            ("Greenroom.mount('#slot')", "options must be an object"),
            ("Greenroom.mount('#slot', { url, onevent: () => {} })", "unknown option onevent"),
            ("Greenroom.mount('#slot', {})", "url must be the check's link"),
            ("Greenroom.mount('#slot', { url: 'javascript:alert(1)' })", "url must be"),
            ("Greenroom.mount('#slot', { url: '/c/relative' })", "url must be"),
            ("Greenroom.mount('#slot', { url, locale: 5 })", "locale must be a language tag"),
            ("Greenroom.mount('#slot', { url, locale: 'sv\"><b>' })", "locale must be"),
            ("Greenroom.mount('#slot', { url, onEvent: 'log' })", "onEvent must be a function"),
            ("Greenroom.q.push(['open', '#slot', { url }])", 'only ["mount"'),
        ]
        for call, said in cases:
            errors.clear()
            returned = await page.evaluate(f"(url) => {call} ?? null", url)
            assert returned is None, call
            assert len(errors) == 1, (call, errors)
            assert errors[0].startswith("Greenroom: "), (call, errors)
            assert said in errors[0], (call, errors)
        assert await page.locator("iframe").count() == 0

        await mount(page, url)
        errors.clear()
        again = await page.evaluate("(url) => Greenroom.mount('#slot', { url })", url)
        assert again is None
        assert "holds a check already" in errors[0]
        for call, said in [
            ("handle.on('verdict', () => {})", "type must be one of"),
            ("handle.on('result')", "fn must be a function"),
            ("handle.configure({ locale: 12 })", "locale must be a language tag"),
        ]:
            errors.clear()
            await page.evaluate(f"() => {call}")
            assert len(errors) == 1, (call, errors)
            assert said in errors[0], (call, errors)
        assert await page.locator("iframe").count() == 1
        await no_uncaught_errors(page)
    finally:
        await context.close()


async def test_the_example_vendor_page_works(
    chromium: Browser, vendor: Server, host: Host, page_check: PageCheck
) -> None:
    """docs/examples/vendor-page.html, as docs/embedding.md tells to try it (its Greenroom here
    is the test's server): paste the link, show the check, start it from the host, hear the
    result."""
    assert DEMO_GREENROOM in EXAMPLE.read_text()
    check = page_check(vendor)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        await context.add_init_script(RECORD_ERRORS)
        page = await context.new_page()
        await page.goto(f"{host.origin}/vendor-page.html")
        await page.get_by_label("Check link").fill(check["candidate_url"])
        await page.get_by_role("button", name="Show the check").click()
        log = page.locator("#log")
        await expect(log).to_contain_text("ready", timeout=10_000)
        await page.get_by_role("button", name="Start it from here").click()
        frame = page.frame_locator("#check iframe")
        await frame.get_by_test_id("confirm-speakers").click(timeout=VERDICT_TIMEOUT_MS)
        await expect(log).to_contain_text('result {"check_id":', timeout=VERDICT_TIMEOUT_MS)
        await expect(page).to_have_title(re.compile(r"^Device check: (ready|warnings)$"))
        # Chromium routes a click by where frames were on screen a moment ago: a click made at
        # once after scrolling the button over the spot where the frame was goes to the frame.
        remove = page.get_by_role("button", name="Remove it")
        await remove.scroll_into_view_if_needed()
        await scrolled(page)
        await no_uncaught_errors(page)
        await remove.click()
        assert await page.locator("iframe").count() == 0
    finally:
        await context.close()


async def test_nothing_is_ever_posted_to_anybody() -> None:
    """Every postMessage in the check page and the loader names its target origin."""
    scripts = [EMBED_JS, *sorted((WIDGET / "js").glob("*.js"))]
    calls = 0
    for script in scripts:
        text = script.read_text()
        for found in re.finditer(r"postMessage\(", text):
            calls += 1
            statement = text[found.start() : text.find(";", found.start())]
            assert not re.search(r"""["'`]\*["'`]""", statement), f"{script.name}: {statement}"
    assert calls >= 3, "the loader and host.js post messages"
    everywhere = " ".join(script.read_text() for script in WIDGET.rglob("*.js"))
    assert not re.search(r"""postMessage\([^)]*["'`]\*["'`]""", everywhere)


async def test_the_loader_fits_its_budget() -> None:
    """≤ 4 KB gzipped (docs/embedding.md); the figure is in docs/benchmarks.md."""
    size = len(gzip.compress(EMBED_JS.read_bytes(), compresslevel=9))
    print(f"embed.js: {EMBED_JS.stat().st_size} bytes, {size} gzipped")
    assert size <= 4096
