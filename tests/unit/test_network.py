"""Network figures from sampled counters, and the network and speakers rules at their edges."""

from __future__ import annotations

import pytest

from server.media.analysis.network import (
    BrowserReport,
    Candidate,
    CandidateType,
    NetworkSummary,
    PhaseTimings,
    PingClock,
    StreamCounters,
    TransportSample,
    summarise,
)
from server.media.verdict.rules import Speakers, judge_network, judge_speakers, network_metrics
from server.models.result import Status


def stream(
    kind: str = "audio", *, received: int = 1000, lost: int = 0, jitter: int = 0
) -> StreamCounters:
    ssrc, rate = (1111, 48000) if kind == "audio" else (2222, 90000)
    return StreamCounters(ssrc, kind, rate, received, lost, jitter)


def network(
    *,
    rtt: float | None = 40.0,
    jitter: float | None = 5.0,
    loss: float | None = 0.0,
    bitrate: float | None = 1500.0,
    probe: float | None = None,
    candidate: CandidateType | None = "host",
) -> NetworkSummary:
    return NetworkSummary(
        rtt_ms=rtt,
        jitter_ms=jitter,
        packet_loss_pct=loss,
        bitrate_kbps=bitrate,
        probe_kbps=probe,
        download_kbps=None,
        download_loss_pct=None,
        candidate_type=candidate,
        transport="udp",
        connect_ms=30.0,
        timings=PhaseTimings(),
        browser=BrowserReport(),
    )


def test_jitter_converts_rtp_clock_units_to_milliseconds() -> None:
    assert stream("audio", jitter=480).jitter_ms == pytest.approx(10.0)
    assert stream("video", jitter=900).jitter_ms == pytest.approx(10.0)


def test_summary_prefers_audio_jitter_and_counts_loss_within_the_window() -> None:
    # Losses before the window (a sender starting above what the link carries) do not count.
    first = TransportSample(
        at=10.0,
        bytes_received=0,
        bytes_sent=0,
        streams=(stream("audio", received=50, lost=40), stream("video", received=400, lost=0)),
    )
    last = TransportSample(
        at=14.0,
        bytes_received=500_000,
        bytes_sent=250_000,
        streams=(
            stream("audio", received=240, lost=50, jitter=960),
            stream("video", received=1400, jitter=9000),
        ),
    )
    summary = summarise(
        first=first,
        last=last,
        ping_rtts_ms=[30.0, 10.0, 20.0],
        candidate=Candidate("host", "udp"),
        timings=PhaseTimings(ice_ms=20.0, dtls_ms=45.0, first_frame_ms=300.0),
        browser=BrowserReport(download_kbps=400.0),
    )
    assert summary.rtt_ms == 20.0
    assert summary.jitter_ms == pytest.approx(20.0)
    assert summary.packet_loss_pct == pytest.approx(100 * 10 / 1200)
    assert summary.bitrate_kbps == pytest.approx(1000.0)
    assert summary.download_kbps == pytest.approx(500.0), "what the server sent, not a claim"
    assert network_metrics(summary).model_dump()["browser_reported"]["download_kbps"] == 400.0
    assert summary.connect_ms == 45.0


def test_a_stream_that_starts_within_the_window_counts_from_its_start() -> None:
    first = TransportSample(at=0.0, bytes_received=0, bytes_sent=0)
    last = TransportSample(
        at=2.0, bytes_received=0, bytes_sent=0, streams=(stream("video", received=95, lost=5),)
    )
    summary = summarise(
        first=first,
        last=last,
        ping_rtts_ms=[],
        candidate=None,
        timings=PhaseTimings(),
        browser=BrowserReport(),
    )
    assert summary.packet_loss_pct == pytest.approx(5.0)


def test_rtcp_round_trip_stands_in_when_no_ping_came_back() -> None:
    last = TransportSample(at=1.0, bytes_received=0, bytes_sent=0, remote_rtt_s=0.125)
    summary = summarise(
        first=None,
        last=last,
        ping_rtts_ms=[],
        candidate=None,
        timings=PhaseTimings(),
        browser=BrowserReport(),
    )
    assert summary.rtt_ms == 125.0
    assert summary.bitrate_kbps is None, "no rate without two samples"


def test_a_relay_reports_the_browsers_leg_to_its_relay() -> None:
    summary = summarise(
        first=None,
        last=None,
        ping_rtts_ms=[],
        candidate=Candidate("relay", "udp"),
        timings=PhaseTimings(),
        browser=BrowserReport(relay_protocol="tcp"),
    )
    assert (summary.candidate_type, summary.transport) == ("relay", "tcp")


def test_ping_clock_times_answers_and_ignores_strangers() -> None:
    clock = PingClock()
    seq = clock.send(now=1.0)
    assert clock.answered(seq, now=1.05) == pytest.approx(50.0)
    assert clock.answered(seq, now=1.10) is None, "answered twice"
    assert clock.answered(999, now=1.10) is None, "never sent"
    assert clock.rtts_ms == [pytest.approx(50.0)]


def test_ping_clock_forgets_unanswered_pings() -> None:
    clock = PingClock()
    for i in range(100):
        clock.send(now=float(i))
    assert clock.answered(0, now=200.0) is None
    assert clock.answered(99, now=100.0) == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("value", "status"),
    [(249.9, Status.PASS), (250.0, Status.WARN), (399.9, Status.WARN), (400.0, Status.FAIL)],
)
def test_round_trip_edges(value: float, status: Status) -> None:
    outcome = judge_network(network(rtt=value))
    assert outcome.status is status
    assert outcome.reasons == ([] if status is Status.PASS else ["network.high_rtt"])


@pytest.mark.parametrize(
    ("value", "status"),
    [(29.9, Status.PASS), (30.0, Status.WARN), (49.9, Status.WARN), (50.0, Status.FAIL)],
)
def test_jitter_edges(value: float, status: Status) -> None:
    assert judge_network(network(jitter=value)).status is status


@pytest.mark.parametrize(
    ("value", "status"),
    [(2.99, Status.PASS), (3.0, Status.WARN), (7.99, Status.WARN), (8.0, Status.FAIL)],
)
def test_loss_edges(value: float, status: Status) -> None:
    assert judge_network(network(loss=value)).status is status


@pytest.mark.parametrize(
    ("value", "status"),
    [(500.0, Status.PASS), (499.9, Status.WARN), (150.0, Status.WARN), (149.9, Status.FAIL)],
)
def test_upload_bitrate_edges(value: float, status: Status) -> None:
    outcome = judge_network(network(bitrate=value))
    assert outcome.status is status
    assert outcome.reasons == ([] if status is Status.PASS else ["network.low_bitrate"])


@pytest.mark.parametrize(
    ("media", "probe", "status"),
    [
        (440.0, 9000.0, Status.PASS),  # a still picture on a good path: the encoder chose 440
        (280.0, 290.0, Status.WARN),  # a path that carries 300
        (90.0, 95.0, Status.FAIL),  # one that carries 100
        (800.0, 420.0, Status.PASS),  # a probe cut short by the media never lowers what arrived
        (440.0, None, Status.WARN),  # no probe (another client): only the media's rate is known
    ],
)
def test_the_upload_is_judged_on_what_the_path_carried(
    media: float, probe: float | None, status: Status
) -> None:
    outcome = judge_network(network(bitrate=media, probe=probe))
    assert outcome.status is status
    assert outcome.metrics.bitrate_kbps == media
    assert outcome.metrics.probe_kbps == probe


def test_a_relay_is_information_not_a_fault() -> None:
    outcome = judge_network(network(candidate="relay"))
    assert outcome.status is Status.PASS
    assert outcome.reasons == ["network.relay"]
    assert outcome.metrics.candidate_type == "relay"


def test_figures_not_measured_are_not_judged() -> None:
    outcome = judge_network(network(rtt=None, jitter=None, loss=None, bitrate=None))
    assert outcome.status is Status.PASS
    assert outcome.metrics.rtt_ms is None


def test_the_worst_figure_decides() -> None:
    outcome = judge_network(network(rtt=300.0, loss=9.0))
    assert outcome.status is Status.FAIL
    assert outcome.reasons == ["network.high_rtt", "network.high_loss"]


@pytest.mark.parametrize(
    ("answer", "status", "reasons"),
    [
        (Speakers.HEARD, Status.PASS, []),
        (Speakers.CONFIRMED, Status.PASS, []),
        (Speakers.NOT_HEARD, Status.FAIL, ["speakers.not_heard"]),
        (Speakers.UNANSWERED, Status.WARN, ["speakers.not_confirmed"]),
    ],
)
def test_speakers(answer: Speakers, status: Status, reasons: list[str]) -> None:
    outcome = judge_speakers(answer)
    assert (outcome.status, outcome.reasons) == (status, reasons)
    assert outcome.metrics.heard_by_server is (answer is Speakers.HEARD)
