"""Offers counted per check link and per client address over ten minutes."""

from __future__ import annotations

import pytest

from server.checks.offers import OfferLimits
from server.errors import TooManyOffers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_link_past_its_limit_waits_until_its_oldest_offer_leaves_the_window() -> None:
    clock = Clock()
    limits = OfferLimits(3, 100, seconds=600, clock=clock)
    for address in ("a", "b", "c"):
        limits.take("link", address)
        clock.now += 10
    with pytest.raises(TooManyOffers) as refused:
        limits.take("link", "d")
    assert refused.value.status == 429
    assert refused.value.retry_after == 570
    limits.take("other link", "d")
    clock.now += 570
    limits.take("link", "d")


def test_an_address_past_its_limit_is_refused_on_every_link() -> None:
    clock = Clock()
    limits = OfferLimits(100, 2, seconds=600, clock=clock)
    limits.take("one", "203.0.113.9")
    limits.take("two", "203.0.113.9")
    with pytest.raises(TooManyOffers):
        limits.take("three", "203.0.113.9")
    limits.take("three", "198.51.100.7")


def test_a_refused_offer_is_not_counted() -> None:
    clock = Clock()
    limits = OfferLimits(1, 100, seconds=60, clock=clock)
    limits.take("link", "a")
    for _ in range(5):
        clock.now += 10
        with pytest.raises(TooManyOffers):
            limits.take("link", "b")
    clock.now += 10
    limits.take("link", "b")
    with pytest.raises(TooManyOffers):
        limits.take("link", "c")


def test_an_offer_given_back_is_not_counted() -> None:
    clock = Clock()
    limits = OfferLimits(2, 2, seconds=600, clock=clock)
    for _ in range(10):  # a page asking a busy server again and again
        limits.take("link", "a")
        limits.give_back("link", "a")
    limits.take("link", "a")
    limits.take("link", "a")
    with pytest.raises(TooManyOffers):
        limits.take("link", "a")
