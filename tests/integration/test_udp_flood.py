"""A flood of UDP at the answer's port from an address that is no candidate of the session:
the server's memory stays flat and a candidate's check keeps its preview, while a session still
waiting for its browser (before ICE completes, when aioice would queue everything) is flooded
too. The server runs as its own process, so its memory is its own."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp

from server.bench.candidate import FakeCandidate
from server.bench.server import Server, running_server
from tests.support.checks import create_check, token_of
from tests.support.peer import PictureTrack, SoundTrack
from tests.support.synthetic import live_scene, speech_like

FLOOD_SECONDS = 15.0
FLOOD_RATE = 4000
"""Datagrams a second at each port: 1,200 bytes each, ~5 MB/s a port."""
MAX_GROWTH_MB = 10.0
"""Unguarded, the session before ICE alone would queue ~70 MB of it."""
PORT = re.compile(r"^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host", re.MULTILINE)

FLOODER = """
import socket, sys, time
ports = [int(p) for p in sys.argv[1].split(",")]
rate, seconds = int(sys.argv[2]), float(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.2", 0))
payload = b"\\x80" + bytes(1199)  # RTP's first byte: not STUN, so aioice would queue it
start, sent = time.monotonic(), 0
while (elapsed := time.monotonic() - start) < seconds:
    while sent < int(elapsed * rate):
        for port in ports:
            sock.sendto(payload, ("127.0.0.1", port))
        sent += 1
    time.sleep(0.002)
print(sent * len(ports))
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def answer_port(candidate: FakeCandidate) -> int:
    assert candidate.pc.remoteDescription is not None
    found = PORT.search(candidate.pc.remoteDescription.sdp)
    assert found is not None
    return int(found.group(1))


def peer() -> FakeCandidate:
    # The loopback is counted as it arrives, not decoded: the test process stays light.
    return FakeCandidate(
        PictureTrack(live_scene(130, 130, frames=30, fps=15)),
        SoundTrack(speech_like(1.0)),
        decode_loopback=False,
    )


async def new_token(server: Server) -> str:
    return token_of(await asyncio.to_thread(create_check, server))


async def test_a_flood_from_a_stranger_leaves_memory_flat_and_the_check_working(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path, {"GREENROOM_MEASURE_SECONDS": "2"}) as server:
        connected, waiting = peer(), peer()
        try:
            async with aiohttp.ClientSession() as http:
                await connected.connect(http, await new_token(server), server.base_url)
                # Its browser never applies the answer: that session stays before ICE completes.
                offer = await waiting.offer()
                url = f"{server.base_url}/c/{await new_token(server)}/offer"
                async with http.post(url, json=offer) as response:
                    assert response.status == 200
                    answer = (await response.json())["sdp"]
            # Past its verdict the session's own memory is settled: what grows now is the flood's.
            await connected.next_message("verdict")
            found = PORT.search(answer)
            assert found is not None
            ports = f"{answer_port(connected)},{found.group(1)}"

            pid = server.process.pid
            samples = [rss_mb(pid)]
            frames_before = connected.received["video"]
            flooder = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                FLOODER,
                ports,
                str(FLOOD_RATE),
                str(FLOOD_SECONDS),
                stdout=asyncio.subprocess.PIPE,
            )
            while flooder.returncode is None:
                try:
                    async with asyncio.timeout(1.0):
                        await flooder.wait()
                except TimeoutError:
                    pass
                samples.append(rss_mb(pid))
            sent = int((await flooder.communicate())[0])
            print(f"server RSS MB {[round(x, 1) for x in samples]}; {sent} datagrams sent")

            assert sent >= 0.95 * 2 * FLOOD_RATE * FLOOD_SECONDS, "the flood was sent in full"
            assert max(samples) - samples[0] < MAX_GROWTH_MB, server.log()[-2000:]
            assert connected.pc.connectionState == "connected"
            assert connected.received["video"] - frames_before > FLOOD_SECONDS * 10, (
                "the candidate's preview kept playing through the flood"
            )
        finally:
            await waiting.close()
            await connected.close()
