"""What the page may say on the data channel: known shapes parse, everything else is dropped."""

from __future__ import annotations

import json

import pytest

from server.media.messages import (
    MAX_MESSAGE_BYTES,
    Bye,
    Pong,
    SpeakersAnswer,
    Stats,
    parse_message,
)


def test_known_messages_parse() -> None:
    assert parse_message('{"type": "pong", "seq": 3}') == Pong(3)
    assert parse_message('{"type": "speakers", "heard": false}') == SpeakersAnswer(heard=False)
    assert parse_message('{"type": "bye"}') == Bye()


def test_stats_keep_only_bounded_known_fields() -> None:
    raw = json.dumps(
        {
            "type": "stats",
            "download_kbps": 812.5,
            "relay_protocol": "tls",
            "timings_ms": {"media": 120, "gathering": -1, "signalling": 1e12, "other": 5},
        }
    )
    assert parse_message(raw) == Stats(
        download_kbps=812.5, relay_protocol="tls", timings_ms={"media": 120.0}
    )


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
        "[" * 100_000,
        b'{"type": "bye"}',
        '{"type": "bye", "pad": "' + "x" * MAX_MESSAGE_BYTES + '"}',
    ],
)
def test_anything_else_is_dropped(raw: str | bytes) -> None:
    assert parse_message(raw) is None


def test_absurd_stats_values_become_unknown() -> None:
    raw = '{"type": "stats", "download_kbps": NaN, "relay_protocol": "carrier-pigeon"}'
    assert parse_message(raw) == Stats()
