"""Our answer SDP, adjusted before it is applied: where the browser's sender should start."""

from __future__ import annotations

import re

START_BITRATE_KBPS = 1000
"""Where the browser's video encoder starts instead of its usual 300 kbps.

The upload rule asks whether the connection carries 500 kbps. A sender that starts at 300 kbps
and ramps slowly never shows that within a few seconds; one that starts at 1 Mbps does, and the
network pushes it down (loss, delay) when it cannot carry it."""

_VIDEO_RTPMAP = re.compile(r"^a=rtpmap:(\d+) (?:VP8|VP9|H264|AV1)/90000\s*$", re.IGNORECASE)


def with_start_bitrate(sdp: str, kbps: int = START_BITRATE_KBPS) -> str:
    """Adds Chromium's `x-google-start-bitrate` to every video codec's format parameters."""
    lines = sdp.splitlines()
    payload_types = {m.group(1) for line in lines if (m := _VIDEO_RTPMAP.match(line))}
    with_fmtp = {line.split()[0].split(":")[1] for line in lines if line.startswith("a=fmtp:")}
    out: list[str] = []
    for line in lines:
        if line.startswith("a=fmtp:") and line.split()[0].split(":")[1] in payload_types:
            line = f"{line};x-google-start-bitrate={kbps}"
        out.append(line)
        match = _VIDEO_RTPMAP.match(line)
        if match and match.group(1) not in with_fmtp:
            out.append(f"a=fmtp:{match.group(1)} x-google-start-bitrate={kbps}")
    return "\r\n".join(out) + "\r\n"
