"""The upload probe: what the path from the browser can carry, not what its encoder chose to send.

A still picture in a plain room costs an encoder a few hundred kbit/s, whatever the connection
could carry, so the media's own rate proves only a lower bound. After the measurement window the
server asks the page for a burst over a data channel of its own (`PROBE`); the page sends it in
growing steps and stops at the first step its path cannot drain in time, so a slow path is filled
briefly and then left alone. While the burst's messages arrive the path is full: every byte the
connection received between the first and the last of them, media included, is what it carried.
Pure bookkeeping: the steps do the asking and hand each message in, stamped.

The probe runs only when it can tell something: when the media's own rate in the window is
already enough, the path has shown it; when the window lost packets, the path is full and the
media's rate is what it carries. Filling a full, slow path with more data stalls the data channel
the check's own messages travel on.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.media.analysis.network import TransportSample, kbps, loss_pct


@dataclass(frozen=True)
class ProbePlan:
    bytes: int
    """The most the page may send: enough to show far more than the rules ask for."""
    seconds: float
    """The most the page sends for, and the server waits for."""
    chunk_bytes: int
    """The size of each message; a message that fits one packet is counted as soon as it
    arrives, and a lost packet costs only itself."""


PROBE = ProbePlan(bytes=240 * 1024, seconds=1.5, chunk_bytes=1024)


@dataclass(frozen=True)
class Stamp:
    at: float
    """Monotonic seconds."""
    received: int
    """Bytes the connection had received by then, the message included."""


class ProbeCount:
    """The burst's messages as they arrive; anything beyond the plan is not counted."""

    def __init__(self, plan: ProbePlan) -> None:
        self.plan = plan
        self.received = 0
        self.messages = 0
        self.first: Stamp | None = None
        self.last: Stamp | None = None

    def arrived(self, size: int, stamp: Stamp) -> bool:
        """Count one binary message; True once the whole burst is in."""
        if 0 < size <= self.plan.chunk_bytes and not self.complete:
            self.received += size
            self.messages += 1
            self.first = self.first or stamp
            self.last = stamp
        return self.complete

    @property
    def complete(self) -> bool:
        return self.received >= self.plan.bytes

    def carried_kbps(self) -> float | None:
        """kbit/s the connection received from the first message to the last, or None with
        fewer than two (a page that does not probe, or a path that carried almost nothing:
        then only the media's own rate is known)."""
        if self.first is None or self.last is None or self.last.at <= self.first.at:
            return None
        seconds = self.last.at - self.first.at
        return 8.0 * (self.last.received - self.first.received) / seconds / 1000.0


def worth_probing(
    first: TransportSample | None,
    last: TransportSample,
    *,
    enough_kbps: float,
    full_loss_pct: float,
) -> bool:
    """Whether the window leaves the upload in doubt: less than `enough_kbps` arrived, and the
    path lost less than `full_loss_pct` of the packets, so the sender chose the low rate."""
    if first is None:
        return True
    arrived = kbps(first.bytes_received, last.bytes_received, last.at - first.at)
    lost = loss_pct(first.streams, last.streams)
    if arrived is not None and arrived >= enough_kbps:
        return False
    return lost is None or lost < full_loss_pct
