"""Debian's Firefox ESR, headless, driven over WebDriver BiDi (tests/support/bidi.py), with its own
fake camera (a moving pattern) and fake microphone (a steady tone) and a throwaway profile.

Playwright cannot drive this Firefox (it needs a patched build of its own); the remote agent every
Firefox has since 129 speaks BiDi on `--remote-debugging-port` without any preference.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.bidi import Bidi, connected_session

START_SECONDS = 30.0
CLOSE_SECONDS = 5.0
PREFERENCES: dict[str, bool | int | str] = {
    # Media: built-in fake devices and no permission prompt; the server's 127.0.0.1 candidate
    # accepted (without it ICE never connects) and our own host candidates as addresses, not
    # mDNS names nothing here resolves; sound through a mock device (there is no sound server)
    # and allowed without a gesture, as Chromium's --autoplay-policy flag does in its tests.
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "media.peerconnection.ice.loopback": True,
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.cubeb.force_mock_context": True,
    "media.autoplay.default": 0,
    # Quiet and offline: no first-run or welcome pages, no updates, no telemetry, no remote
    # settings, experiments or safe-browsing lists, no plugin downloads, no connectivity probes.
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.aboutwelcome.enabled": False,
    "startup.homepage_welcome_url": "about:blank",
    "startup.homepage_welcome_url.additional": "",
    "browser.newtabpage.enabled": False,
    "browser.tabs.warnOnClose": False,
    "browser.sessionstore.resume_from_crash": False,
    "app.update.disabledForTesting": True,
    "app.update.auto": False,
    "app.normandy.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "services.settings.server": "data:,#remote-settings-off/v1",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "media.gmp-manager.updateEnabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
}


class FirefoxError(RuntimeError):
    """Firefox is not installed, or did not come up."""


@dataclass(frozen=True)
class Firefox:
    """A running Firefox: its BiDi session, its window and its log."""

    bidi: Bidi
    context: str
    """The top-level browsing context of its one window."""
    log_path: Path

    def log(self) -> str:
        return tail(self.log_path, 8000)


def firefox_path() -> str:
    path = shutil.which("firefox-esr") or shutil.which("firefox")
    if path is None:
        raise FirefoxError(
            "Firefox is not installed: `apt-get install firefox-esr` "
            "(`make test` installs it when run as root)"
        )
    return path


def user_js(preferences: dict[str, bool | int | str]) -> str:
    return "".join(
        f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in preferences.items()
    )


def tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else ""


@contextlib.asynccontextmanager
async def launched_firefox(log_path: Path) -> AsyncIterator[Firefox]:
    """Starts Firefox with a fresh profile and a BiDi session on its window; on the way out the
    session asks it to quit, and the process is killed if it has not within a few seconds."""
    executable = firefox_path()
    with tempfile.TemporaryDirectory(prefix="greenroom-firefox-") as folder:
        profile = Path(folder)
        (profile / "user.js").write_text(user_js(PREFERENCES))
        with log_path.open("wb") as log:
            # Port 0: Firefox picks a free one and writes it into the profile.
            process = await asyncio.create_subprocess_exec(
                executable,
                "--headless",
                "--no-remote",
                "--remote-debugging-port=0",
                "--profile",
                str(profile),
                "about:blank",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            url = await _endpoint(profile, process, log_path)
            async with connected_session(url) as bidi:
                try:
                    yield Firefox(bidi, await bidi.top_context(), log_path)
                finally:
                    await bidi.close_browser(CLOSE_SECONDS)
        finally:
            await _stopped(process)


async def _endpoint(profile: Path, process: asyncio.subprocess.Process, log_path: Path) -> str:
    """The session endpoint, once the remote agent listens (it writes WebDriverBiDiServer.json)."""
    server_file = profile / "WebDriverBiDiServer.json"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.returncode is None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            server = json.loads(server_file.read_text())
            return f"ws://{server['ws_host']}:{server['ws_port']}/session"
        await asyncio.sleep(0.05)
    raise FirefoxError("Firefox's remote agent did not come up:\n" + tail(log_path))


async def _stopped(process: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(process.wait(), CLOSE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
