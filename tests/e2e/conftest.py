"""A real Greenroom server as a subprocess, and real Chromium fed with generated media files."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import (
    Browser,
    FrameLocator,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from server.bench.server import GREENROOM, Server, running_server

# Re-exported: every browser test creates its checks as a vendor would.
from tests.support.checks import create_check as create_check
from tests.support.coturn import Coturn, running_coturn
from tests.support.firefox import Firefox, FirefoxError, firefox_path, launched_firefox
from tests.support.media_files import write_wav, write_y4m
from tests.support.netns import routed_address
from tests.support.synthetic import Luma, live_scene, silence, speech_like

CHROMIUM_FLAGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass(frozen=True)
class MediaFiles:
    well_lit: Path
    dark: Path
    backlit: Path
    speech: Path
    silence: Path


def fake_media(video: Path, audio: Path) -> list[str]:
    """Chromium's flags with these files as its camera and microphone (both loop)."""
    return [
        *CHROMIUM_FLAGS,
        f"--use-file-for-fake-video-capture={video}",
        f"--use-file-for-fake-audio-capture={audio}",
    ]


def organisation(server: Server, name: str, *origins: str) -> Server:
    """`server` as seen by a new organisation whose pages live on `origins` (they may embed its
    checks); `greenroom org create` runs against the server's own database."""
    flags = [part for origin in origins for part in ("--origin", origin)]
    created = subprocess.run(
        [GREENROOM, "org", "create", name, *flags],
        env={**os.environ, "GREENROOM_DATABASE_URL": server.database_url},
        check=True,
        capture_output=True,
        text=True,
    )
    return dataclasses.replace(server, api_key=json.loads(created.stdout)["api_key"])


async def stored_result(server: Server, check_id: str, within: float = 30.0) -> dict[str, Any]:
    """The check's stored result, read back through the API (the stored result is the product)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        check = await asyncio.to_thread(server.api, "GET", f"/api/v1/checks/{check_id}")
        if check["latest_result"] is not None:
            assert check["status"] == check["latest_result"]["overall"]
            result: dict[str, Any] = check["latest_result"]
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("no result stored within the time limit")


def chromium_path() -> str | None:
    """Debian's Chromium when installed; otherwise Playwright's own build (None)."""
    return shutil.which("chromium")


@asynccontextmanager
async def launched_chromium(flags: list[str]) -> AsyncIterator[Browser]:
    """Chromium started with these flags (`fake_media` gives the usual ones), closed on leaving."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=flags)
        try:
            yield browser
        finally:
            await browser.close()


VERDICT_TIMEOUT_MS = 30_000


async def run_check(
    page: Page | FrameLocator,
    *,
    start: str = "start-check",
    before_confirm: Callable[[], Awaitable[None]] | None = None,
) -> str:
    """Runs the check as a candidate does: presses Start (or the button `start` names), says
    "I heard it" when the speakers step asks, and waits for the verdict. Returns the overall
    the page shows (`data-overall`).

    The fake microphone is a file and cannot hear the chime, so the candidate confirms.
    `before_confirm` runs between the two presses, for what a test looks at while the check runs.
    """
    await page.get_by_test_id(start).click()
    if before_confirm is not None:
        await before_confirm()
    await page.get_by_test_id("confirm-speakers").click(timeout=VERDICT_TIMEOUT_MS)
    # The result step is hidden until its verdict is drawn: a second run cannot read the first's.
    overall = page.get_by_test_id("overall")
    await expect(overall).to_be_visible(timeout=VERDICT_TIMEOUT_MS)
    await expect(overall).not_to_have_attribute("data-overall", "")
    return await overall.get_attribute("data-overall") or ""


StartServer = Callable[[Mapping[str, str]], Server]


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    """Starts Greenroom servers with extra `GREENROOM_*` settings; all stop when the session ends.

    Tests that need a differently configured server get one of their own, and the plain `server`
    stays shared.
    """
    if os.environ.get("GREENROOM_ISOLATED") != "1":
        pytest.fail("browser tests run inside tests/isolated.sh (loopback only); use `make test`")
    with ExitStack() as servers:

        def start(extra_env: Mapping[str, str]) -> Server:
            workdir = tmp_path_factory.mktemp("server")
            return servers.enter_context(running_server(workdir, extra_env))

        yield start


@pytest.fixture(scope="session")
def server(start_server: StartServer) -> Server:
    """The Greenroom server most browser tests share, with default settings."""
    return start_server({})


@pytest.fixture(scope="session")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Coturn]:
    """Debian's coturn on loopback with a random shared secret, for the TURN relay path."""
    with running_coturn(tmp_path_factory.mktemp("coturn")) as turn:
        yield turn


@pytest.fixture(scope="session")
def relay_server(start_server: StartServer, coturn: Coturn) -> Server:
    """A Greenroom server that hands the page TURN credentials for `coturn`."""
    return start_server(
        {"GREENROOM_TURN_URLS": ",".join(coturn.urls), "GREENROOM_TURN_SECRET": coturn.secret}
    )


@pytest.fixture(scope="session")
def media_files(tmp_path_factory: pytest.TempPathFactory) -> MediaFiles:
    """Two seconds of each scene at 20 fps, live: every frame with its own sensor noise, and
    faint stripes drifting across so the picture moves (noise alone would read as frozen).
    A camera at exactly the 15 fps warning line would warn whenever a loaded machine drops a
    frame; real cameras give 24-30."""
    folder = tmp_path_factory.mktemp("media")

    def live(center: float, border: float) -> list[Luma]:
        return live_scene(center, border, frames=40, fps=20)

    return MediaFiles(
        well_lit=write_y4m(folder / "well_lit.y4m", live(130, 130)),
        dark=write_y4m(folder / "dark.y4m", live(25, 25)),
        backlit=write_y4m(folder / "backlit.y4m", live(60, 220)),
        speech=write_wav(folder / "speech.wav", speech_like(3.0, dbfs=-20.0)),
        silence=write_wav(folder / "silence.wav", silence(3.0)),
    )


DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 640}
PageCheck = Callable[..., dict[str, Any]]
Snap = Callable[[Page, str], Awaitable[None]]
AxeCheck = Callable[[Page, str], Awaitable[None]]


@pytest.fixture(scope="session")
def page_check() -> PageCheck:
    """Creates a check with everything the welcome step shows, `minutes` from now on `server`.

    Any field can be overridden, or left out with None (the page must cope without it).
    """

    def create(server: Server, minutes: float = 60, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "candidate": {"name": "Alex Candidate", "email": "alex@example.com"},
            "starts_at": (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(),
            "time_zone": "Europe/Stockholm",
            "duration_minutes": 45,
            "title": "Backend engineer interview",
            "agenda": ["Introductions", "Your experience", "Questions for us"],
            "interviewers": ["Sam Recruiter", "Kim Engineer"],
            "join_url": "https://meet.example.com/backend-engineer",
            "locale": "en",
        }
        body.update(fields)
        body = {key: value for key, value in body.items() if value is not None}
        created: dict[str, Any] = server.api("POST", "/api/v1/checks", body)
        return created

    return create


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def chromium(media_files: MediaFiles) -> AsyncIterator[Browser]:
    """One Chromium for a whole test module, fed a well-lit picture and a clear voice.

    Launching costs about a second; tests take a new context each, which is as isolated as a new
    browser (storage, permissions, time zone) at a fraction of the cost. Modules using it run on
    one event loop: `pytest.mark.asyncio(loop_scope="module")`.
    """
    async with launched_chromium(fake_media(media_files.well_lit, media_files.speech)) as browser:
        yield browser


@pytest_asyncio.fixture
async def firefox(tmp_path: Path) -> AsyncIterator[Firefox]:
    """Debian's Firefox ESR over WebDriver BiDi, with its built-in fake camera (a moving pattern)
    and microphone (a steady tone): the second engine the check is run in. The namespace gets a
    routed address while it runs, or Firefox offers no ICE candidate (tests/support/netns.py).

    Not installed is a failure, never a skip: `make test` installs it.
    """
    try:
        firefox_path()
    except FirefoxError as error:
        pytest.fail(str(error))
    with routed_address():
        async with launched_firefox(tmp_path / "firefox.log") as browser:
            yield browser


@pytest.fixture(scope="session")
def snap() -> Snap:
    """Saves a full-page screenshot as test-artifacts/page/<name>.png, for people to look at."""
    folder = ARTIFACTS / "page"

    async def save(page: Page, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return save


@pytest.fixture(scope="session")
def axe_check() -> AxeCheck:
    """Runs axe-core on the page as it is now; fails on any serious or critical violation.

    The full report of every violation (minor ones too) is kept under test-artifacts/axe/.
    """
    axe = Axe()
    folder = ARTIFACTS / "axe"

    async def check(page: Page, name: str) -> None:
        results = await axe.run(page)
        folder.mkdir(parents=True, exist_ok=True)
        violations = results.response["violations"]
        (folder / f"{name}.json").write_text(json.dumps(violations, indent=2))
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"])
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name}: " + "\n".join(serious)

    return check


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    """On failure, show the logs of the servers the test used next to its own output."""
    report = yield
    if report.failed:
        for name, value in getattr(item, "funcargs", {}).items():
            if isinstance(value, Server):
                report.sections.append((f"{name}: greenroom log", value.log()[-8000:]))
            elif isinstance(value, Coturn):
                report.sections.append((f"{name}: turnserver log", value.log()[-8000:]))
            elif isinstance(value, Firefox):
                report.sections.append((f"{name}: firefox log", value.log()[-8000:]))
    return report
