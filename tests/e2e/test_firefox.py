"""The whole check in a second engine: Firefox ESR with its own fake camera and microphone ->
WebRTC -> the server's verdict, driven over WebDriver BiDi against the same server and page as the
Chromium tests. The verdict is read back through the API: the stored result is the product."""

from __future__ import annotations

import json
import time

import pytest

from server.bench.server import Server
from tests.e2e.conftest import ARTIFACTS, VERDICT_TIMEOUT_MS, create_check, stored_result
from tests.support.firefox import Firefox

pytestmark = pytest.mark.e2e

VERDICT_SECONDS = VERDICT_TIMEOUT_MS / 1000


def by_test_id(test_id: str) -> str:
    return f'[data-testid="{test_id}"]'


def visible(test_id: str) -> str:
    """An expression: the element is on the page and shown (not in a hidden step)."""
    return f"(document.querySelector('{by_test_id(test_id)}')?.checkVisibility() ?? false)"


async def test_a_check_in_firefox_passes_camera_light_and_network(
    server: Server, firefox: Firefox
) -> None:
    check = create_check(server)
    bidi, page = firefox.bidi, firefox.context
    await bidi.navigate(page, check["candidate_url"])
    # Start is enabled once the page has loaded the check; a click before that does nothing.
    await bidi.wait_for(
        page,
        f"document.querySelector('{by_test_id('start-check')}')?.disabled === false",
        15,
        "Start enabled",
    )
    started = time.monotonic()
    await bidi.click(page, by_test_id("start-check"))
    # The fake microphone plays a tone, not the chime: the candidate says they heard it.
    await bidi.wait_for(page, visible("confirm-speakers"), VERDICT_SECONDS, "the speakers step")
    await bidi.click(page, by_test_id("confirm-speakers"))
    shown = await bidi.wait_for(
        page,
        f"{visible('overall')} && document.querySelector('{by_test_id('overall')}')"
        ".dataset.overall",
        VERDICT_SECONDS,
        "the verdict on the page",
    )
    result = await stored_result(server, check["id"])
    verdict_s = time.monotonic() - started

    figures = {
        "verdict_s": round(verdict_s, 2),
        "upload_kbps": result["checks"]["network"]["metrics"].get("bitrate_kbps"),
        "fps": result["checks"]["camera"]["metrics"].get("fps"),
        "overall": result["overall"],
        "statuses": {name: check["status"] for name, check in result["checks"].items()},
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings-firefox.json").write_text(json.dumps(figures))
    (ARTIFACTS / "check-firefox.png").write_bytes(await bidi.screenshot(page))
    print(f"firefox: {figures}")

    assert shown == result["overall"]
    assert result["browser"]["name"] == "Firefox"
    checks = {name: result["checks"][name] for name in ("camera", "lighting", "network")}
    assert {name: check["status"] for name, check in checks.items()} == dict.fromkeys(
        checks, "pass"
    ), checks
    # Judged on what reached the server, not on what the browser measured alone.
    assert not [name for name, check in checks.items() if "measured_by" in check["metrics"]]
    network = result["checks"]["network"]["metrics"]
    assert (network["candidate_type"], network["transport"]) == ("host", "udp")
    await bidi.click(page, by_test_id("finish"))
    await bidi.wait_for(page, visible("done"), 10, "the last step")
