"""The upload judged on what the path carries, in real Chromium: the browser's media and the page's
upload probe reach the server through a token bucket (`tests/support/throttle.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.async_api import expect

from server.bench.server import Server
from tests.e2e.conftest import (
    MediaFiles,
    StartServer,
    create_check,
    fake_media,
    launched_chromium,
    run_check,
    stored_result,
)
from tests.support.throttle import throttled

pytestmark = pytest.mark.e2e

SLOW_ADDRESS = "127.0.0.2"
"""All of 127.0.0.0/8 is loopback: the server's media address, and only its, goes slow."""


@pytest.fixture(scope="module")
def slow_server(start_server: StartServer) -> Server:
    return start_server({"GREENROOM_ICE_ADDRESSES": SLOW_ADDRESS})


async def network_verdict(
    server: Server, media: MediaFiles, *, then: Callable[[], None] | None = None
) -> dict[str, Any]:
    """The stored network check; `then` runs once the speakers step shows."""
    check = create_check(server)
    async with launched_chromium(fake_media(media.well_lit, media.speech)) as browser:
        page = await browser.new_page()
        await page.goto(check["candidate_url"])

        async def at_speakers() -> None:
            await expect(page.get_by_test_id("confirm-speakers")).to_be_visible(timeout=30_000)
            if then is not None:
                then()

        await run_check(page, before_confirm=at_speakers)
    network: dict[str, Any] = (await stored_result(server, check["id"]))["checks"]["network"]
    return network


@pytest.mark.parametrize(("kbit", "status"), [(300, "warn"), (100, "fail")])
async def test_a_slow_upload_is_told(
    slow_server: Server, media_files: MediaFiles, kbit: int, status: str
) -> None:
    with throttled(SLOW_ADDRESS, kbit) as lift:
        # A path that lost packets in the window is judged on it alone (no probe). Through
        # 100 kbit/s the candidate's "I heard it" can then wait behind the data channel's
        # retransmissions for half a minute, so that path is opened once the window is over.
        network = await network_verdict(
            slow_server, media_files, then=lift if status == "fail" else None
        )
    metrics = network["metrics"]
    assert network["status"] == status, network
    assert "network.low_bitrate" in network["reasons"], network
    # A full path is not probed (its loss shows it is full); one that is probed shows its limit.
    assert (metrics["probe_kbps"] or 0) < kbit * 1.15, "nothing carries more than the path"
