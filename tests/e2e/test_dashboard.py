"""The recruiter's dashboard in real Chromium, as a recruiter meets it: an account made with
`greenroom user create` signs in through the form and finds its checks on the board; a row
changes without a reload while a candidate in another browser context finishes, and the polite
status region says so; the detail page tells the attempt in plain words and the CSV download
holds the check; every page passes axe at 1280 and 360 px; the keyboard alone signs in and walks
the board; no other origin can frame it. Screenshots: test-artifacts/dashboard/<page>-<width>.png.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, StorageState, ViewportSize, expect

from server.bench.server import GREENROOM, Server
from server.web.dashboard.present import icon
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PageCheck

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


def row_of(page: Page, table: str, check_id: str) -> Any:
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
