"""TURN credentials in coturn's REST API scheme, and the iceServers a page is given."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.config import Settings
from server.media.rtc.turn import ice_servers_for_browser, turn_credentials
from server.models.check import IceServer

SECRET = "greenroom-test-secret"
NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # Unix time 1700000000
TURN_URLS = ("turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:443")


def coturn_password(secret: str, username: str) -> str:
    """What coturn computes for `use-auth-secret`, written out independently of the code."""
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), "sha1").digest()).decode()


def test_known_vector() -> None:
    # printf %s 1700003600:check-42 | openssl dgst -sha1 -hmac "$SECRET" -binary | base64
    assert turn_credentials(SECRET, 3600, NOW, "check-42") == (
        "1700003600:check-42",
        "wltl9pIG+VvrcRD9KwC/OqK7z9g=",
    )


@pytest.mark.parametrize("ttl", [1, 60, 3600, 86400])
def test_username_is_expiry_then_id_and_password_is_its_hmac(ttl: int) -> None:
    username, password = turn_credentials(SECRET, ttl, NOW, "a1B2_c-3")
    assert username == f"{1700000000 + ttl}:a1B2_c-3"
    assert password == coturn_password(SECRET, username)
    assert len(base64.b64decode(password)) == hashlib.sha1().digest_size


def test_expiry_is_unix_time_whatever_the_time_zone() -> None:
    stockholm = NOW.astimezone(timezone(timedelta(hours=1)))
    assert turn_credentials(SECRET, 60, stockholm, "x") == turn_credentials(SECRET, 60, NOW, "x")


def test_fractions_of_a_second_are_dropped() -> None:
    later = NOW + timedelta(microseconds=999_999)
    assert turn_credentials(SECRET, 60, later, "x")[0] == "1700000060:x"


def test_every_id_and_every_secret_gives_its_own_password() -> None:
    passwords = {
        turn_credentials(secret, 60, NOW, user_id)[1]
        for secret in (SECRET, SECRET + "!")
        for user_id in ("a", "b")
    }
    assert len(passwords) == 4


def test_a_secret_outside_ascii_is_used_as_utf8() -> None:
    username, password = turn_credentials("hemligt-lösenord-åäö", 60, NOW, "x")
    assert password == coturn_password("hemligt-lösenord-åäö", username)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        turn_credentials(SECRET, 60, datetime(2023, 11, 14, 22, 13, 20), "x")


@pytest.mark.parametrize("user_id", ["", "a:b", "anna@example.com", "a b", "x" * 65, "å"])
def test_ids_that_could_confuse_coturn_or_carry_personal_data_are_refused(user_id: str) -> None:
    with pytest.raises(ValueError, match="user id"):
        turn_credentials(SECRET, 60, NOW, user_id)


@pytest.mark.parametrize(("secret", "ttl"), [("", 60), (SECRET, 0), (SECRET, -60)])
def test_no_secret_or_no_lifetime_is_refused(secret: str, ttl: int) -> None:
    with pytest.raises(ValueError, match=r"secret|lifetime"):
        turn_credentials(secret, ttl, NOW, "x")


def dumped(servers: list[IceServer]) -> list[dict[str, object]]:
    """As the page gets them: a STUN server has no username or credential at all."""
    return [server.model_dump(mode="json") for server in servers]


def test_no_ice_servers_by_default() -> None:
    assert ice_servers_for_browser(Settings(), NOW, "x") == []


def test_stun_only_has_no_credentials() -> None:
    settings = Settings(stun_urls=("stun:stun.example.com", "stun:stun.example.com:3479"))
    assert dumped(ice_servers_for_browser(settings, NOW, "x")) == [
        {"urls": ["stun:stun.example.com", "stun:stun.example.com:3479"]}
    ]


def test_turn_gets_a_fresh_credential_and_never_the_secret() -> None:
    settings = Settings(
        stun_urls=("stun:stun.example.com",),
        turn_urls=TURN_URLS,
        turn_secret=SECRET,
        turn_credential_seconds=600,
    )
    servers = ice_servers_for_browser(settings, NOW, "c0ffee")
    assert dumped(servers) == [
        {"urls": ["stun:stun.example.com"]},
        {
            "urls": list(TURN_URLS),
            "username": "1700000600:c0ffee",
            "credential": coturn_password(SECRET, "1700000600:c0ffee"),
        },
    ]
    assert SECRET not in repr(servers)


def test_each_page_gets_its_own_turn_username() -> None:
    settings = Settings(turn_urls=TURN_URLS, turn_secret=SECRET)
    first = ice_servers_for_browser(settings, NOW, "a")[0]
    second = ice_servers_for_browser(settings, NOW, "b")[0]
    assert first.username != second.username
    assert first.credential != second.credential
