"""A slow upload path inside the test's own network namespace (tests/isolated.sh).

Packets to `address` on loopback go through a token bucket of `kbit` kbit/s; everything else on
loopback stays as fast as it is. A server whose ICE address is `address` then receives the
browser's media (and its upload probe) through that bucket, while what it sends back does not.
This kernel has HTB and TBF, not netem: the path is slow and has a router's queue, but adds no
delay of its own.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator


def tc(*args: str) -> None:
    subprocess.run(["tc", *args], check=True, capture_output=True)


@contextlib.contextmanager
def throttled(address: str, kbit: int, *, queue_ms: int = 300) -> Iterator[Callable[[], None]]:
    """Limits loopback traffic to `address` to `kbit` kbit/s, with `queue_ms` of queue before
    packets are dropped, until the block ends or the function it gives is called."""
    if os.environ.get("GREENROOM_ISOLATED") != "1":
        raise RuntimeError("throttling changes loopback: only inside tests/isolated.sh")
    lifted = False

    def lift() -> None:
        nonlocal lifted
        if not lifted:
            lifted = True
            tc("qdisc", "del", "dev", "lo", "root")

    tc("qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "10")
    try:
        tc("class", "add", "dev", "lo", "parent", "1:", "classid", "1:10", "htb", "rate", "10gbit")
        tc("class", "add", "dev", "lo", "parent", "1:", "classid", "1:20", "htb", "rate", "10gbit")
        tc(
            "qdisc", "add", "dev", "lo", "parent", "1:20", "handle", "20:", "tbf",
            "rate", f"{kbit}kbit", "burst", "3000", "latency", f"{queue_ms}ms",
        )  # fmt: skip
        tc(
            "filter", "add", "dev", "lo", "parent", "1:", "protocol", "ip", "u32",
            "match", "ip", "dst", f"{address}/32", "flowid", "1:20",
        )  # fmt: skip
        yield lift
    finally:
        lift()
