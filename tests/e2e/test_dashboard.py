"""The recruiter's dashboard in real Chromium, as a recruiter meets it: an account made with
`greenroom user create` signs in through the form and finds its checks on the board; a row
changes without a reload while a candidate in another browser context finishes, and the polite
status region says so; the detail page tells the attempt in plain words and the CSV download
holds the check; every page passes axe at 1280 and 360 px; the keyboard alone signs in and walks
the board; no other origin can frame it. Screenshots: test-artifacts/dashboard/<page>-<width>.png.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import io
import json
import os
import re
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from aiohttp import web
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    StorageState,
    ViewportSize,
    expect,
)

from server.bench.server import GREENROOM, Server, free_port
from server.web.dashboard.present import icon
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, PageCheck, run_check, stored_result

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

ORG_NAME = "Dashboard E2E"
RECRUITER_NAME = "Robin Recruiter"
RECRUITER_EMAIL = "robin.recruiter@example.com"
RECRUITER_ZONE = "Europe/Stockholm"
PASSWORD = "a long enough password for the board"
SHOTS = ARTIFACTS / "dashboard"
STATUS_WORDS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "ready": "Ready",
    "warnings": "Warnings",
    "not_ready": "Not ready",
}


def badge_text(status: str) -> str:
    """What a badge reads: its symbol, then its word (never the colour alone)."""
    return f"{icon(status)} {STATUS_WORDS[status]}"


@dataclasses.dataclass(frozen=True)
class Recruiter:
    email: str
    password: str
    name: str
    org: Server
    """The shared server as the recruiter's organisation sees it (that organisation's API key)."""


def greenroom(server: Server, *args: str, stdin: str | None = None) -> dict[str, Any]:
    """One `greenroom` command against the server's own database, as an operator runs it."""
    done = subprocess.run(
        [GREENROOM, *args],
        env={**os.environ, "GREENROOM_DATABASE_URL": server.database_url},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"greenroom {args[:2]}: {done.stderr}"
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.fixture(scope="module")
def recruiter(server: Server) -> Recruiter:
    """An organisation of its own and a recruiter in it, both made with the real CLI; the
    recruiter's dates are in Stockholm time."""
    org = greenroom(server, "org", "create", ORG_NAME, "--origin", server.base_url)
    greenroom(
        server,
        "user",
        "create",
        "--org",
        org["org_id"],
        "--email",
        RECRUITER_EMAIL,
        "--name",
        RECRUITER_NAME,
        "--role",
        "recruiter",
        "--time-zone",
        RECRUITER_ZONE,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return Recruiter(
        email=RECRUITER_EMAIL,
        password=PASSWORD,
        name=RECRUITER_NAME,
        org=dataclasses.replace(server, api_key=org["api_key"]),
    )


async def fill_login_form(page: Page, recruiter: Recruiter) -> None:
    await page.get_by_label("E-mail address").fill(recruiter.email)
    await page.get_by_label("Password").fill(recruiter.password)
    await page.get_by_role("button", name="Sign in").click()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def signed_in(chromium: Browser, recruiter: Recruiter) -> StorageState:
    """The recruiter's cookies after one sign-in, so that each test's new context starts
    signed in without paying for the password hash again."""
    context = await chromium.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{recruiter.org.base_url}/login")
        await fill_login_form(page, recruiter)
        await expect(page).to_have_url(f"{recruiter.org.base_url}/dashboard")
        return await context.storage_state()
    finally:
        await context.close()


@asynccontextmanager
async def new_page(
    chromium: Browser, state: StorageState | None = None, viewport: ViewportSize = DESKTOP
) -> AsyncIterator[Page]:
    """A page in a context of its own, in English, signed in when given the cookies."""
    context = await chromium.new_context(viewport=viewport, storage_state=state, locale="en-GB")
    try:
        yield await context.new_page()
    finally:
        await context.close()


def row_of(page: Page, table: str, check_id: str) -> Locator:
    return page.locator(f'[data-table="{table}"] tr[data-check-id="{check_id}"]')


def local_time(iso: str, zone: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


async def test_a_recruiter_made_with_the_cli_signs_in_and_sees_the_check(
    chromium: Browser, recruiter: Recruiter, page_check: PageCheck
) -> None:
    check = page_check(
        recruiter.org,
        candidate={"name": "Ingrid Åkesson", "email": "ingrid@example.com"},
        title="Data engineer interview",
        time_zone="America/New_York",
    )
    base = recruiter.org.base_url
    async with new_page(chromium) as page:
        await page.goto(f"{base}/dashboard")
        # Not signed in: the board sends the browser to sign in, and brings it back after.
        await expect(page).to_have_url(f"{base}/login?next=/dashboard")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Greenroom")
        await fill_login_form(page, recruiter)
        await expect(page).to_have_url(f"{base}/dashboard")

        await expect(page.get_by_role("heading", level=1)).to_have_text("Readiness")
        await expect(page.locator("header")).to_contain_text(f"Greenroom · {ORG_NAME}")
        sign_out = page.get_by_role("button", name=f"Sign out ({RECRUITER_NAME})")
        await expect(sign_out).to_be_visible()

        row = row_of(page, "upcoming", check["id"])
        link = row.get_by_role("link", name="Ingrid Åkesson")
        await expect(link).to_have_attribute("href", f"/dashboard/checks/{check['id']}")
        await expect(row).to_contain_text("Data engineer interview")
        await expect(row.get_by_test_id("status-badge")).to_have_text(badge_text("not_started"))
        # The interview's own time and zone, and the recruiter's Stockholm time beside it.
        await expect(row).to_contain_text(local_time(check["starts_at"], "America/New_York"))
        await expect(row).to_contain_text("America/New_York")
        stockholm = local_time(check["starts_at"], RECRUITER_ZONE)
        await expect(row).to_contain_text(f"Your time: {stockholm}")
        # Within the day and never opened: the board puts it among those at risk as well.
        at_risk = row_of(page, "at-risk", check["id"])
        await expect(at_risk).to_contain_text("Interview within 24 hours and never started")


EVENT_SOURCES = """(() => {
  // Every EventSource the page opens, so a test can wait until the live feed is connected.
  const Native = window.EventSource;
  window.__sources = [];
  window.EventSource = class extends Native {
    constructor(...args) { super(...args); window.__sources.push(this); }
  };
})()"""

WATCH_BADGE = """(checkId) => {
  // Marks this document: a reload would lose it. Records each status the row's badge shows.
  window.__notReloaded = true;
  window.__seen = [];
  const badge = () => document.querySelector(
    `[data-table="upcoming"] tr[data-check-id="${checkId}"] [data-testid="status-badge"]`);
  let last = badge()?.dataset.status;
  new MutationObserver(() => {
    const now = badge()?.dataset.status;
    if (now !== last) {
      window.__seen.push({status: now, at: Date.now()});
      last = now;
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def verdict_stored_at(server: Server, check_id: str) -> datetime:
    """When the check's latest change was written, read from the server's own database: the
    change feed's row is written in the transaction that stores the verdict."""
    assert server.database_url.startswith("sqlite:///")
    path = server.database_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        (at,) = db.execute(
            "SELECT at FROM check_events WHERE check_id = ? ORDER BY id DESC LIMIT 1", (check_id,)
        ).fetchone()
    return datetime.fromisoformat(at).replace(tzinfo=UTC)


async def test_the_row_changes_live_while_a_candidate_finishes(
    chromium: Browser, recruiter: Recruiter, signed_in: StorageState, page_check: PageCheck
) -> None:
    name = "Lars Live"
    check = page_check(recruiter.org, candidate={"name": name, "email": "lars@example.com"})
    async with new_page(chromium, signed_in) as board:
        await board.context.add_init_script(EVENT_SOURCES)
        await board.goto(f"{recruiter.org.base_url}/dashboard")
        badge = row_of(board, "upcoming", check["id"]).get_by_test_id("status-badge")
        await expect(badge).to_have_text(badge_text("not_started"))
        await expect(row_of(board, "at-risk", check["id"])).to_be_visible()
        await board.wait_for_function("() => window.__sources.some((s) => s.readyState === 1)")
        await board.evaluate(WATCH_BADGE, check["id"])

        # The candidate, in a browser context of their own with the well-lit camera and voice.
        async with new_page(chromium) as candidate:
            await candidate.goto(check["candidate_url"])
            shown = await run_check(candidate)

        await expect(badge).to_have_attribute("data-status", shown, timeout=10_000)
        await expect(badge).to_have_text(badge_text(shown))
        assert await board.evaluate("window.__notReloaded") is True, "the board was reloaded"
        await expect(board.locator("#live-status")).to_have_text(f"{name}: {STATUS_WORDS[shown]}")
        await expect(board.locator("#live-status")).to_have_attribute("aria-live", "polite")
        at_risk = row_of(board, "at-risk", check["id"])
        if shown == "ready":
            await expect(at_risk).to_have_count(0)  # ready: no longer at risk
        else:
            await expect(at_risk.get_by_test_id("status-badge")).to_have_text(badge_text(shown))
        seen: list[dict[str, Any]] = await board.evaluate("window.__seen")

    assert [change["status"] for change in seen] == ["in_progress", shown]
    result = await stored_result(recruiter.org, check["id"])
    assert result["overall"] == shown
    stored = verdict_stored_at(recruiter.org, check["id"])
    latency = seen[-1]["at"] / 1000 - stored.timestamp()
    print(f"verdict stored -> row changed on the board: {latency * 1000:.0f} ms")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings-dashboard-live.json").write_text(
        json.dumps({"verdict_stored_to_row_changed_ms": round(latency * 1000)})
    )
    # The goal is a second (held without browsers by the integration tests); here two browsers
    # and a media session share two cores, so only a clear miss fails.
    assert 0 <= latency < 3.0, f"{latency:.2f} s from the stored verdict to the changed row"


@dataclasses.dataclass(frozen=True)
class Finished:
    check: dict[str, Any]
    result: dict[str, Any]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def finished(chromium: Browser, recruiter: Recruiter, page_check: PageCheck) -> Finished:
    """A check of the recruiter's organisation that a candidate has run to a verdict."""
    check = page_check(
        recruiter.org,
        candidate={"name": "Dana Done", "email": "dana@example.com"},
        title="Product designer interview",
    )
    async with new_page(chromium) as candidate:
        await candidate.goto(check["candidate_url"])
        shown = await run_check(candidate)
    result = await stored_result(recruiter.org, check["id"])
    assert result["overall"] == shown
    return Finished(check, result)


OUTCOME_WORDS = {"pass": "Pass", "warn": "Warning", "fail": "Fail", "skipped": "Skipped"}
CHECK_NAMES = {
    "browser": "Browser",
    "camera": "Camera",
    "lighting": "Lighting",
    "microphone": "Microphone",
    "speakers": "Speakers",
    "network": "Network",
}
READ_OUTCOMES = """(table) => Object.fromEntries([...table.tBodies[0].rows].map((row) => [
  row.cells[0].textContent.trim(),
  {
    verdict: row.cells[1].querySelector(".outcome").textContent.replace(/\\s+/g, " ").trim(),
    metrics: Object.fromEntries([...row.cells[2].querySelectorAll("dt")].map(
      (dt) => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()])),
  },
]))"""
CSV_COLUMNS = [
    "check_id",
    "candidate_name",
    "candidate_email",
    "title",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "status",
    "at_risk",
    "last_attempt_at",
    "reasons",
]


def shown_number(value: float) -> str:
    """A measured number as the detail page writes it."""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


async def test_the_detail_tells_the_attempt_in_plain_words_and_the_csv_holds_it(
    chromium: Browser, recruiter: Recruiter, signed_in: StorageState, finished: Finished
) -> None:
    check, result = finished.check, finished.result
    async with new_page(chromium, signed_in) as page:
        await page.goto(f"{recruiter.org.base_url}/dashboard")
        await row_of(page, "upcoming", check["id"]).get_by_role("link", name="Dana Done").click()
        await expect(page).to_have_url(f"{recruiter.org.base_url}/dashboard/checks/{check['id']}")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Dana Done")
        overall = result["overall"]
        await expect(page.get_by_test_id("status-badge")).to_have_text(badge_text(overall))
        await expect(page.get_by_role("heading", name="Attempts (1)")).to_be_visible()

        attempt = page.locator("article.attempt")
        await expect(attempt).to_have_count(1)
        await expect(attempt.get_by_role("heading", level=3)).to_contain_text(STATUS_WORDS[overall])
        browser = result["browser"]
        await expect(attempt).to_contain_text(
            f"{browser['name']} {browser['version']} on {browser['os']}"
        )
        assert result["checks"]["network"]["metrics"]["candidate_type"] == "host"
        await expect(attempt).to_contain_text("Direct connection")

        outcomes = await attempt.locator("table.outcomes").evaluate(READ_OUTCOMES)
        assert list(outcomes) == list(CHECK_NAMES.values())
        for key, label in CHECK_NAMES.items():
            assert outcomes[label]["verdict"].endswith(
                OUTCOME_WORDS[result["checks"][key]["status"]]
            ), (label, outcomes[label])
        lighting = result["checks"]["lighting"]["metrics"]
        microphone = result["checks"]["microphone"]["metrics"]
        network = result["checks"]["network"]["metrics"]
        assert outcomes["Lighting"]["metrics"]["Brightness (0\u2013255)"] == shown_number(
            lighting["mean_luma"]
        )
        assert outcomes["Microphone"]["metrics"]["Loudest level (dBFS)"] == shown_number(
            microphone["rms_dbfs"]
        )
        assert outcomes["Microphone"]["metrics"]["Speech heard"] == "✓"
        assert outcomes["Network"]["metrics"]["Round trip (ms)"] == shown_number(network["rtt_ms"])
        assert outcomes["Network"]["metrics"]["Transport"] == "udp"

        await page.get_by_role("link", name="Readiness").first.click()
        await expect(page).to_have_url(f"{recruiter.org.base_url}/dashboard")
        async with page.expect_download() as started:
            await page.get_by_role("link", name="Export as CSV").click()
        download = await started.value
        assert re.fullmatch(r"greenroom-checks-\d{8}\.csv", download.suggested_filename)
        text = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")

    # A byte-order mark first, so spreadsheet programs read å, ä and ö as UTF-8.
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[0] == CSV_COLUMNS
    rows = [dict(zip(CSV_COLUMNS, line, strict=True)) for line in lines[1:]]
    (row,) = [row for row in rows if row["check_id"] == check["id"]]
    assert row["candidate_name"] == "Dana Done"
    assert row["candidate_email"] == "dana@example.com"
    assert row["title"] == "Product designer interview"
    assert row["status"] == overall
    assert row["time_zone"] == "Europe/Stockholm"
    assert row["duration_minutes"] == "45"
    assert datetime.fromisoformat(row["starts_at"]) == datetime.fromisoformat(check["starts_at"])
    finished_at = datetime.fromisoformat(result["finished_at"])
    assert datetime.fromisoformat(row["last_attempt_at"]) == finished_at
    assert row["at_risk"] == ("" if overall == "ready" else "not_ready_soon")


AXE = Axe()
WIDTHS: dict[int, ViewportSize] = {1280: DESKTOP, 360: PHONE}


TOO_WIDE = """(width) => {
  const out = (el) => el.getBoundingClientRect().right > width + 0.5;
  return [...document.querySelectorAll("body *")]
    .filter((el) => out(el) && ![...el.children].some(out))
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}`
      + ` ${Math.round(el.getBoundingClientRect().right)}px`
      + `: ${el.textContent.trim().slice(0, 30)}`);
}"""
"""The innermost elements that stick out to the right, for the failure message."""


async def assert_axe_clean(page: Page, name: str) -> None:
    """No axe violation of any impact; the full report is kept under test-artifacts/axe/."""
    results = await AXE.run(page)
    violations = results.response["violations"]
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"dashboard-{name}.json").write_text(json.dumps(violations, indent=2))
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(str(node["target"]) for node in v["nodes"])
        for v in violations
    ]
    assert not found, f"{name}: " + "\n".join(found)


PAGES = {
    "login": "/login",
    "login-error": "/login",
    "board": "/dashboard",
    "new-check": "/dashboard/checks/new",
    "new-check-errors": "/dashboard/checks/new",
    "detail": "/dashboard/checks/{id}",
    "edit": "/dashboard/checks/{id}/edit",
    "preferences": "/dashboard/preferences",
    "insight": "/dashboard/insight",
}
"""Every page a recruiter meets, by the name its screenshots and axe reports carry."""


async def open_dashboard_page(page: Page, name: str, base: str, finished: Finished) -> Response:
    """Goes to the page as a recruiter would see it; the response of what the page shows."""
    response = await page.goto(base + PAGES[name].format(id=finished.check["id"]))
    if name == "new-check-errors":
        # Sent empty: the form comes back with each problem beside its field.
        async with page.expect_navigation() as sent:
            await page.get_by_role("button", name="Create check").click()
        response = await sent.value
    elif name == "login-error":
        await page.get_by_label("E-mail address").fill("nobody@example.com")
        await page.get_by_label("Password").fill("not the password at all")
        async with page.expect_navigation() as sent:
            await page.get_by_role("button", name="Sign in").click()
        response = await sent.value
    assert response is not None
    return response


@pytest.mark.parametrize("name", list(PAGES))
async def test_every_dashboard_page_passes_axe_at_both_widths(
    chromium: Browser,
    recruiter: Recruiter,
    signed_in: StorageState,
    finished: Finished,
    name: str,
) -> None:
    state = None if name.startswith("login") else signed_in
    async with new_page(chromium, state) as page:
        response = await open_dashboard_page(page, name, recruiter.org.base_url, finished)
        expected = {"new-check-errors": 422, "login-error": 401}.get(name, 200)
        assert response.status == expected, f"{name}: {response.status}"
        for width, viewport in WIDTHS.items():
            await page.set_viewport_size(viewport)
            await page.evaluate("() => new Promise((resolve) => requestAnimationFrame(resolve))")
            await assert_axe_clean(page, f"{name}-{width}")
            scroll_width = await page.evaluate("document.scrollingElement.scrollWidth")
            if scroll_width > width:
                wide = await page.evaluate(TOO_WIDE, width)
                raise AssertionError(f"{name} scrolls sideways at {width} px: {wide}")
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const table = el.closest("[data-table]");
  const where = el.classList.contains("skip") ? "skip"
    : el.closest("nav") ? "nav"
    : el.closest("form.filters") ? "filter"
    : table ? table.dataset.table
    : el.id === "main" ? "main" : "";
  return {
    where,
    name: el.id || el.textContent.trim(),
    // A date input is never :focus-visible itself in Chromium: the part of it in focus is.
    focusVisible: el.matches(":focus-visible")
      || (el.type?.startsWith("date") && el.matches(":focus-within")),
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
    onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
      && box.right <= innerWidth && box.bottom <= innerHeight,
  };
}"""
"""Where the keyboard's focus is, and whether a person can see it there."""


async def tab(page: Page) -> dict[str, Any]:
    await page.keyboard.press("Tab")
    focused: dict[str, Any] = await page.evaluate(FOCUSED)
    assert focused["focusVisible"], f"not :focus-visible: {focused}"
    assert focused["ring"], f"no outline or shadow on the focus: {focused}"
    assert focused["onScreen"], f"focus off screen: {focused}"
    return focused


async def test_the_keyboard_alone_signs_in_and_walks_the_board(
    chromium: Browser, recruiter: Recruiter, page_check: PageCheck
) -> None:
    name = "Kim Keyboard"
    page_check(recruiter.org, candidate={"name": name, "email": "kim@example.com"})
    base = recruiter.org.base_url
    async with new_page(chromium) as page:
        await page.goto(f"{base}/login")
        assert (await tab(page))["where"] == "skip"
        assert (await tab(page))["name"] == "email"
        await page.keyboard.type(recruiter.email)
        assert (await tab(page))["name"] == "password"
        await page.keyboard.type(recruiter.password)
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(f"{base}/dashboard")

        trail: list[str] = []
        for _ in range(80):
            focused = await tab(page)
            step = f"{focused['where']}:{focused['name']}"
            if not trail or trail[-1] != step:  # a date field takes a Tab per part
                trail.append(step)
            if step == f"upcoming:{name}":
                break
        expected = [
            "skip:Skip to content",
            "nav:Readiness",
            "nav:New check",
            "nav:Insight",
            "nav:Preferences",
            f"at-risk:{name}",
            "filter:q",
            "filter:status",
            "filter:from",
            "filter:until",
            "filter:at_risk",
            "filter:Filter",
            f"upcoming:{name}",
        ]
        assert trail[0] == expected[0], trail
        missing = [step for step in expected if step not in trail]
        assert not missing, f"never reached {missing}: {trail}"
        positions = [trail.index(step) for step in expected]
        assert positions == sorted(positions), f"out of order: {trail}"

        # The skip link takes the focus past the header into the page's content.
        await page.reload()
        assert (await tab(page))["where"] == "skip"
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()
        assert (await tab(page))["where"] not in ("skip", "nav")


FRAMING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title></head>
<body><h1>Another site</h1>
<iframe name="dashboard" title="Greenroom" src="{src}" style="width: 100%; height: 600px"></iframe>
<iframe name="own" title="Its own page" src="/own"></iframe>
</body></html>"""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def other_origin() -> AsyncIterator[str]:
    """A site on another origin of the same host (another port): the same site to the browser,
    so even the SameSite=Strict session cookie goes along when it frames the dashboard."""

    async def framing(request: web.Request) -> web.Response:
        body = FRAMING_PAGE.format(src=request.query["src"])
        return web.Response(text=body, content_type="text/html")

    async def own(request: web.Request) -> web.Response:
        body = '<!doctype html><html lang="en"><title>Own</title><h1>Its own page</h1></html>'
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", framing)
    app.router.add_get("/own", own)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def policy(response: Response | None) -> dict[str, str]:
    """The response's Content-Security-Policy, directive by directive."""
    assert response is not None
    headers = await response.all_headers()
    assert headers.get("x-frame-options") == "DENY", headers
    directives = [part.split() for part in headers["content-security-policy"].split(";")]
    return {words[0]: " ".join(words[1:]) for words in directives if words}


async def test_no_other_origin_can_frame_the_dashboard(
    chromium: Browser, recruiter: Recruiter, signed_in: StorageState, other_origin: str
) -> None:
    base = recruiter.org.base_url
    async with new_page(chromium) as page:
        assert (await policy(await page.goto(f"{base}/login")))["frame-ancestors"] == "'none'"
    async with new_page(chromium, signed_in) as page:
        board = await page.goto(f"{base}/dashboard")
        assert (await policy(board))["frame-ancestors"] == "'none'"

        refused: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_console(message: ConsoleMessage) -> None:
            if "frame-ancestors" in message.text and not refused.done():
                refused.set_result(message.text)

        served: list[int] = []
        page.on("console", on_console)
        page.on(
            "response",
            lambda response: (
                served.append(response.status) if response.url == f"{base}/dashboard" else None
            ),
        )
        await page.goto(f"{other_origin}/?src={base}/dashboard")
        # The other site's own frame renders: frames work there, only ours is refused.
        own = page.frame_locator('iframe[name="own"]')
        await expect(own.get_by_role("heading")).to_have_text("Its own page")
        try:
            assert "frame-ancestors" in await asyncio.wait_for(refused, 10)
        except TimeoutError:
            raise AssertionError("the browser never refused the framed board") from None
        assert served == [200], "the board was sent, signed in, and the browser refused it"
        framed = page.frame(name="dashboard")
        assert framed is not None
        board_parts = framed.locator("[data-check-id], [data-testid=status-badge], #live-status")
        assert await board_parts.count() == 0
        assert "Readiness" not in await framed.content()
