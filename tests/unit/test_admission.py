"""The admission rule on numbers, and the headroom it is given measured for real: a loop that
is blocked reads as lag, a thread that hashes reads as CPU."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from dataclasses import replace

import pytest

from server.media.session.admission import AdmissionRules, Load, Refusal, refusal, reserved_cpu
from server.media.session.headroom import Headroom, weighted_quantile

RULES = AdmissionRules(
    max_sessions=20, max_lag_ms=50, max_cpu=0.8, max_decoding=4, decoding_cpu=0.1
)


def load(**overrides: object) -> Load:
    values: dict[str, object] = {
        "sessions": 5,
        "decoding": 1,
        "admitted_ages": (),
        "lag_ms": 2.0,
        "cpu": 0.3,
    }
    values.update(overrides)
    return Load(**values)  # type: ignore[arg-type]


def test_a_process_with_headroom_admits() -> None:
    assert refusal(RULES, load()) is None


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"sessions": 20}, Refusal.FULL),
        ({"lag_ms": 51.0}, Refusal.LAG),
        ({"decoding": 4}, Refusal.DECODING),
        ({"cpu": 0.71}, Refusal.CPU),
    ],
    ids=["full", "lagging", "decoding", "busy"],
)
def test_a_process_short_of_any_headroom_refuses(
    overrides: dict[str, object], why: Refusal
) -> None:
    assert refusal(RULES, load(**overrides)) is why


def test_at_the_edges_it_still_admits() -> None:
    edge = load(sessions=19, lag_ms=50.0, decoding=3, cpu=0.7)
    assert refusal(RULES, edge) is None


def test_sessions_admitted_just_now_reserve_their_cost_until_the_window_shows_it() -> None:
    # Three admitted this instant cost nothing measurable yet, but will: 0.45 + 3 * 0.1 + 0.1.
    assert refusal(RULES, load(cpu=0.45, admitted_ages=(0.0, 0.0, 0.0))) is Refusal.CPU
    # Once the window holds most of their cost, little is reserved.
    assert reserved_cpu(RULES, (2.7, 2.7, 2.7)) == pytest.approx(0.03)
    assert refusal(RULES, load(cpu=0.45, admitted_ages=(2.7, 2.7, 2.7))) is None
    assert reserved_cpu(RULES, (RULES.window_seconds, 5.0)) == 0.0


def test_an_idle_process_takes_one_whatever_it_measures() -> None:
    idle = load(sessions=0, decoding=0, lag_ms=900.0, cpu=5.0)
    assert refusal(RULES, idle) is None
    assert refusal(RULES, replace(idle, sessions=1)) is Refusal.LAG
    assert refusal(replace(RULES, max_sessions=0), idle) is Refusal.FULL


def test_without_headroom_control_only_the_cap_counts() -> None:
    cap = AdmissionRules(max_sessions=20, headroom=False)
    assert refusal(cap, load(lag_ms=900.0, cpu=5.0, decoding=19, sessions=19)) is None
    assert refusal(cap, load(sessions=20)) is Refusal.FULL


def test_a_long_stall_outweighs_many_quick_ticks() -> None:
    quick = [0.001] * 40  # 40 ticks of 50 ms: 2 s
    assert weighted_quantile([*quick, 0.5], [0.05] * 40 + [0.55], 0.9) == 0.5
    assert weighted_quantile([*quick, 0.5], [0.05] * 40 + [0.1], 0.9) == 0.001
    assert weighted_quantile([], [], 0.9) == 0.0


async def test_a_blocked_loop_is_measured_as_lag() -> None:
    headroom = Headroom(RULES)
    await headroom.start()
    try:
        await asyncio.sleep(0.3)
        assert headroom.lag_ms() < RULES.max_lag_ms
        time.sleep(0.4)  # noqa: ASYNC251 (the loop stuck, as a heavy synchronous call leaves it)
        assert headroom.lag_ms() > 300
        assert headroom.refusal(sessions=1, decoding=0) is Refusal.LAG
    finally:
        await headroom.stop()


async def test_a_busy_thread_is_measured_as_cpu() -> None:
    headroom = Headroom(RULES)
    await headroom.start()
    stop = threading.Event()

    def burn() -> None:
        block = bytes(1 << 20)
        while not stop.is_set():
            hashlib.sha256(block).digest()  # releases the GIL: CPU without loop lag

    thread = threading.Thread(target=burn)
    try:
        await asyncio.sleep(0.5)
        idle = headroom.cpu()
        thread.start()
        await asyncio.sleep(1.0)
        busy = headroom.cpu()
    finally:
        stop.set()
        thread.join()
        await headroom.stop()
    assert idle < 0.2
    # The thread shares two cores with whatever else runs; a fifth of one is the least seen.
    assert busy > idle + 0.2
