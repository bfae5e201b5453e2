"""The upload probe's bookkeeping: what counts as the burst, and the rate the path carried."""

from __future__ import annotations

import pytest

from server.media.analysis.network import StreamCounters, TransportSample
from server.media.analysis.uplink import ProbeCount, ProbePlan, Stamp, worth_probing

PLAN = ProbePlan(bytes=4 * 1024, seconds=1.5, chunk_bytes=1024)


def test_the_burst_completes_when_its_bytes_are_in() -> None:
    count = ProbeCount(PLAN)
    done = [count.arrived(1024, Stamp(at=0.1 * i, received=5000 * i)) for i in range(4)]
    assert done == [False, False, False, True]
    # A page that goes on sending after the burst does not move the count.
    assert count.arrived(1024, Stamp(at=9.0, received=10**9))
    assert (count.received, count.last) == (4 * 1024, Stamp(at=0.30000000000000004, received=15000))


def test_messages_larger_than_a_chunk_or_empty_are_not_counted() -> None:
    count = ProbeCount(PLAN)
    assert not count.arrived(PLAN.chunk_bytes + 1, Stamp(0.0, 0))
    assert not count.arrived(0, Stamp(0.1, 0))
    assert (count.received, count.messages, count.first) == (0, 0, None)


def test_the_rate_counts_every_byte_the_connection_received_between_first_and_last() -> None:
    count = ProbeCount(PLAN)
    count.arrived(1024, Stamp(at=10.0, received=5000))
    count.arrived(1024, Stamp(at=10.5, received=17500))
    # 12,500 bytes in half a second, media and probe together: 200 kbit/s.
    assert count.carried_kbps() == pytest.approx(200.0)


def test_fewer_than_two_messages_give_no_figure() -> None:
    count = ProbeCount(PLAN)
    assert count.carried_kbps() is None
    count.arrived(1024, Stamp(at=10.0, received=5000))
    assert count.carried_kbps() is None


def window(kbit: float, lost: int) -> tuple[TransportSample, TransportSample]:
    """Three seconds in which `kbit` kbit/s arrived and `lost` of 1,000 packets were lost."""
    before = StreamCounters(1, "video", 90000, 0, 0, 0)
    after = StreamCounters(1, "video", 90000, 1000 - lost, lost, 0)
    bytes_ = int(kbit * 1000 / 8 * 3)
    return (
        TransportSample(at=0.0, bytes_received=0, bytes_sent=0, streams=(before,)),
        TransportSample(at=3.0, bytes_received=bytes_, bytes_sent=0, streams=(after,)),
    )


@pytest.mark.parametrize(
    ("kbit", "lost", "probe"),
    [
        (440, 0, True),  # a quiet scene on a clean path: the sender chose the rate
        (700, 0, False),  # enough arrived: the path has shown it
        (270, 0, True),  # a 300 kbit/s path the sender has settled into
        (77, 210, False),  # a full path losing a fifth: what arrived is what it carries
        (450, 29, True),  # a little loss is not a full path
    ],
)
def test_the_probe_runs_only_when_the_window_leaves_the_upload_in_doubt(
    kbit: float, lost: int, probe: bool
) -> None:
    first, last = window(kbit, lost)
    assert worth_probing(first, last, enough_kbps=500, full_loss_pct=3) is probe
