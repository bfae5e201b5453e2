"""The TURN relay path: a real coturn on loopback, and Chromium allowed nothing but relayed media.

Candidates on networks that block direct UDP reach the server only through TURN; this is the
only test that proves the credentials the page is given open a relay and a check passes over it.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint
from playwright.async_api import expect

from server.bench.server import Server
from server.config import Settings
from server.media.rtc.turn import ice_servers_for_browser, turn_credentials
from tests.e2e.conftest import (
    ARTIFACTS,
    MediaFiles,
    create_check,
    fake_media,
    launched_chromium,
    run_check,
    stored_result,
)
from tests.support.coturn import Coturn

pytestmark = pytest.mark.e2e

# Every RTCPeerConnection the page makes may use relay candidates only, and, for the TCP case,
# only the TURN URLs over TCP (what a network that blocks UDP leaves). It records when ICE
# gathering and the connection completed, and which local candidate carried the media.
RELAY_ONLY = """
(() => {
  const transport = %s;
  const Native = window.RTCPeerConnection;
  const peers = [];
  window.__relayPeers = peers;
  const onlyTransport = (servers) =>
    (servers ?? []).map((server) => {
      const urls = [server.urls].flat();
      return { ...server, urls: urls.filter((url) => url.endsWith(`?transport=${transport}`)) };
    }).filter((server) => server.urls.length > 0);
  class RelayOnlyPeerConnection extends Native {
    constructor(config, ...rest) {
      const iceServers = transport ? onlyTransport(config?.iceServers) : config?.iceServers;
      super({ ...config, iceServers, iceTransportPolicy: "relay" }, ...rest);
      const peer = {
        iceServerUrls: (iceServers ?? []).flatMap((server) => [server.urls].flat()),
        candidates: [],
        candidateErrors: [],
        gatheredMs: null,
        connectedMs: null,
        selected: null,
      };
      peers.push(peer);
      const started = performance.now();
      this.addEventListener("icecandidate", (event) => {
        if (event.candidate) peer.candidates.push(event.candidate.type);
      });
      this.addEventListener("icecandidateerror", (event) => {
        peer.candidateErrors.push(`${event.errorCode} ${event.errorText} ${event.url}`);
      });
      this.addEventListener("icegatheringstatechange", () => {
        if (this.iceGatheringState === "complete") peer.gatheredMs ??= performance.now() - started;
      });
      this.addEventListener("connectionstatechange", async () => {
        if (this.connectionState !== "connected" || peer.connectedMs !== null) return;
        peer.connectedMs = performance.now() - started;
        const stats = [...(await this.getStats()).values()];
        const byId = new Map(stats.map((report) => [report.id, report]));
        const transportStats = stats.find((report) => report.type === "transport");
        const pair = byId.get(transportStats?.selectedCandidatePairId);
        const local = byId.get(pair?.localCandidateId);
        peer.selected = local
          ? { candidateType: local.candidateType, relayProtocol: local.relayProtocol ?? null }
          : null;
      });
    }
  }
  window.RTCPeerConnection = RelayOnlyPeerConnection;
})();
"""


class Relayed(asyncio.DatagramProtocol):
    """Whatever arrives on an aioice TURN allocation; closed once the allocation is gone."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()
        self.closed = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


class Echo(asyncio.DatagramProtocol):
    """A UDP peer on loopback standing in for the Greenroom server."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython's datagram transport does not derive from asyncio.DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(b"echo:" + data, addr)


def page_credential(coturn: Coturn, now: datetime) -> tuple[str, str]:
    """The TURN username and password a check page would be given at `now`."""
    settings = Settings(turn_urls=coturn.urls, turn_secret=coturn.secret)
    turn = ice_servers_for_browser(settings, now, "e2e-relay")[-1]
    assert turn.username is not None
    assert turn.credential is not None
    return turn.username, turn.credential


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_coturn_relays_for_the_credential_a_page_is_given(
    coturn: Coturn, transport: str
) -> None:
    loop = asyncio.get_running_loop()
    echo_transport, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    echo_address = echo_transport.get_extra_info("sockname")
    username, password = page_credential(coturn, datetime.now(UTC))
    try:
        relay, relayed = await create_turn_endpoint(
            Relayed, (coturn.host, coturn.port), username, password, transport=transport
        )
        try:
            relay.sendto(b"ping", echo_address)
            async with asyncio.timeout(5):
                assert await relayed.received.get() == b"echo:ping"
        finally:
            relay.close()
            async with asyncio.timeout(5):
                await relayed.closed.wait()
    finally:
        echo_transport.close()
    assert any(username in line for line in coturn.allocations())


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param(
            lambda c: page_credential(c, datetime.now(UTC) - timedelta(hours=2)), id="expired"
        ),
        pytest.param(
            lambda c: turn_credentials("not-the-secret-at-all", 600, datetime.now(UTC), "x"),
            id="other-secret",
        ),
        pytest.param(lambda c: (page_credential(c, datetime.now(UTC))[0], "x"), id="bad-password"),
    ],
)
async def test_coturn_refuses_a_credential_that_is_expired_or_not_ours(
    coturn: Coturn, credential: Callable[[Coturn], tuple[str, str]]
) -> None:
    username, password = credential(coturn)
    with pytest.raises(stun.TransactionFailed) as refused:
        await create_turn_endpoint(Relayed, (coturn.host, coturn.port), username, password)
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_a_check_passes_over_the_relay_alone(
    relay_server: Server, coturn: Coturn, media_files: MediaFiles, transport: str
) -> None:
    check = create_check(relay_server)
    allocations_before = len(coturn.allocations())
    flags = fake_media(media_files.well_lit, media_files.speech)
    async with launched_chromium(flags) as browser:
        page = await browser.new_page()
        await page.add_init_script(RELAY_ONLY % json.dumps(transport))
        await page.goto(check["candidate_url"])
        started = time.monotonic()
        first_reading = 0.0

        async def relayed() -> None:
            nonlocal first_reading
            # Fail early and plainly when the page got no usable TURN server.
            await page.wait_for_function(
                "() => window.__relayPeers.some((peer) => peer.gatheredMs !== null)",
                timeout=10_000,
            )
            [first, *_] = await page.evaluate("window.__relayPeers")
            assert first["iceServerUrls"], "GET /c/{token}/info gave the page no TURN server"
            assert "relay" in first["candidates"], f"no relay candidate: {first}"
            await expect(page.get_by_test_id("brightness")).to_contain_text(
                re.compile(r"\d"), timeout=15_000
            )
            first_reading = time.monotonic() - started

        shown = await run_check(page, before_confirm=relayed)
        result = await stored_result(relay_server, check["id"])
        verdict = time.monotonic() - started
        assert shown == result["overall"]
        peers: list[dict[str, Any]] = await page.evaluate("window.__relayPeers")
        await page.get_by_test_id("finish").click()

    connected = [peer for peer in peers if peer["connectedMs"] is not None]
    assert connected, peers
    timings = {
        "ice_gathering_ms": round(connected[0]["gatheredMs"]),
        "connected_ms": round(connected[0]["connectedMs"]),
        "first_live_reading_s": round(first_reading, 2),
        "verdict_s": round(verdict, 2),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"timings-relay-{transport}.json").write_text(json.dumps(timings))
    print(f"relay over {transport}: {timings}")

    for peer in peers:
        assert peer["iceServerUrls"], "the page was given no TURN server"
        assert all(url.endswith(f"?transport={transport}") for url in peer["iceServerUrls"])
        assert not peer["candidateErrors"], peer
        assert set(peer["candidates"]) == {"relay"}, peer
    for peer in connected:
        assert peer["selected"] == {"candidateType": "relay", "relayProtocol": transport}, peer
    assert len(coturn.allocations()) > allocations_before

    checks = result["checks"]
    for name in ("camera", "lighting", "microphone"):
        assert checks[name]["status"] == "pass", checks[name]
    assert checks["network"]["metrics"].get("candidate_type") == "relay", checks["network"]
    assert "network.relay" in checks["network"]["reasons"], checks["network"]
