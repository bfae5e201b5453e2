"""What the page may say on the data channel: known shapes parse, everything else (an unknown
field, a value out of range, anything that is not one of its messages) is dropped whole."""

from __future__ import annotations

import json

import pytest

from server.models.messages import (
    MAX_MESSAGE_BYTES,
    Bye,
    Hello,
    Pong,
    SpeakersAnswer,
    Stats,
    parse_message,
)
from server.models.result import BrowserTimings


def test_known_messages_parse() -> None:
    assert parse_message('{"type": "pong", "seq": 3}') == Pong(seq=3)
    assert parse_message('{"type": "speakers", "heard": false}') == SpeakersAnswer(heard=False)
    assert parse_message('{"type": "bye"}') == Bye()
    assert parse_message('{"type": "hello"}') == Hello(type="hello")


def test_stats_as_the_page_sends_them() -> None:
    raw = json.dumps(
        {
            "type": "stats",
            "download_kbps": 812.5,
            "relay_protocol": "tls",
            "timings_ms": {"media": 120, "gathering": 140.5},
        }
    )
    stats = parse_message(raw)
    assert stats == Stats(
        download_kbps=812.5,
        relay_protocol="tls",
        timings_ms=BrowserTimings(media=120.0, gathering=140.5),
    )
    assert isinstance(stats, Stats)
    assert stats.timings_ms.model_dump() == {"media": 120.0, "gathering": 140.5}
    assert parse_message('{"type": "stats", "download_kbps": null}') == Stats()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        "[]",
        '"pong"',
        '{"type": "pong"}',
        '{"type": "pong", "seq": true}',
        '{"type": "pong", "seq": "1"}',
        '{"type": "speakers", "heard": 1}',
        '{"type": "unknown"}',
        '{"type": "pong", "seq": 1, "extra": true}',
        '{"type": "stats", "timings_ms": {"media": 120, "other": 5}}',
        '{"type": "stats", "timings_ms": {"gathering": -1}}',
        '{"type": "stats", "timings_ms": {"signalling": 1e12}}',
        '{"type": "stats", "download_kbps": NaN}',
        '{"type": "stats", "relay_protocol": "carrier-pigeon"}',
        "[" * 100_000,
        b'{"type": "bye"}',
        '{"type": "bye", "pad": "' + "x" * MAX_MESSAGE_BYTES + '"}',
    ],
)
def test_anything_else_is_dropped(raw: str | bytes) -> None:
    assert parse_message(raw) is None
