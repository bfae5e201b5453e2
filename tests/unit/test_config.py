"""Settings from GREENROOM_* variables and CLI overrides; bad values stop the service starting."""

from __future__ import annotations

from typing import Any

import pytest

from server.config import ConfigError, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.load({})
    assert settings == Settings()
    assert (settings.port, settings.max_sessions, settings.ice_addresses) == (8080, 8, ())
    assert settings.base_url == "http://127.0.0.1:8080"


def test_environment_is_parsed_by_type() -> None:
    settings = Settings.load(
        {
            "GREENROOM_HOST": "0.0.0.0",
            "GREENROOM_PORT": "9000",
            "GREENROOM_MAX_SESSIONS": " 3 ",
            "GREENROOM_SESSION_SECONDS": "120.5",
            "GREENROOM_MEASURE_SECONDS": "3",
            "GREENROOM_ICE_ADDRESSES": " 127.0.0.1 , ::1,, ",
            "GREENROOM_DATABASE_URL": "postgresql+asyncpg://db/greenroom",
            "GREENROOM_PUBLIC_URL": "https://check.example.com/",
            "GREENROOM_LOG_LEVEL": "debug",
        }
    )
    assert (settings.host, settings.port, settings.max_sessions) == ("0.0.0.0", 9000, 3)
    assert (settings.session_seconds, settings.measure_seconds) == (120.5, 3.0)
    assert settings.ice_addresses == ("127.0.0.1", "::1")
    assert settings.database_url == "postgresql+asyncpg://db/greenroom"
    assert settings.base_url == "https://check.example.com"
    assert settings.log_level == "debug"


def test_an_empty_list_variable_is_an_empty_tuple() -> None:
    assert Settings.load({"GREENROOM_ICE_ADDRESSES": " , "}).ice_addresses == ()


def test_other_variables_are_ignored() -> None:
    env = {"PORT": "1", "GREENROOM_UNKNOWN": "x", "greenroom_port": "2", "HOST": "example"}
    assert Settings.load(env) == Settings()


def test_overrides_beat_environment() -> None:
    env = {"GREENROOM_PORT": "9000", "GREENROOM_HOST": "0.0.0.0"}
    settings = Settings.load(env, port=9100, ice_addresses=("10.0.0.1",))
    assert (settings.port, settings.host, settings.ice_addresses) == (
        9100,
        "0.0.0.0",
        ("10.0.0.1",),
    )


def test_an_override_of_none_leaves_the_environment_in_force() -> None:
    assert Settings.load({"GREENROOM_PORT": "9000"}, port=None, host=None).port == 9000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GREENROOM_PORT": "eighty"}, "GREENROOM_PORT"),
        ({"GREENROOM_PORT": "8080.0"}, "GREENROOM_PORT"),
        ({"GREENROOM_PORT": ""}, "GREENROOM_PORT"),
        ({"GREENROOM_PORT": "0"}, "port must be 1-65535"),
        ({"GREENROOM_PORT": "65536"}, "port must be 1-65535"),
        ({"GREENROOM_MAX_SESSIONS": "1e3"}, "GREENROOM_MAX_SESSIONS"),
        ({"GREENROOM_MAX_SESSIONS": "0"}, "max sessions"),
        ({"GREENROOM_SESSION_SECONDS": "five"}, "GREENROOM_SESSION_SECONDS"),
        ({"GREENROOM_WORKER_MAX_SESSIONS": "-1"}, "worker max sessions"),
        ({"GREENROOM_WORKER_MAX_RSS_MB": "100"}, "at least 256 MB"),
        ({"GREENROOM_MEASURE_SECONDS": "0.99"}, "measure seconds"),
        ({"GREENROOM_MEASURE_SECONDS": "nan"}, "measure seconds"),
        ({"GREENROOM_MEASURE_SECONDS": "10", "GREENROOM_SESSION_SECONDS": "78"}, "measure"),
        ({"GREENROOM_MEASURE_SECONDS": "60.5"}, "measure seconds"),
        ({"GREENROOM_ICE_ADDRESSES": "127.0.0.1,localhost"}, "'localhost'"),
        ({"GREENROOM_LOG_LEVEL": "verbose"}, "unknown log level"),
        ({"GREENROOM_OFFERS_PER_LINK": "0"}, "offers per link"),
        ({"GREENROOM_OFFERS_PER_ADDRESS": "-5"}, "per address"),
        ({"GREENROOM_ICE_ALLOW_PRIVATE": "yes"}, "GREENROOM_ICE_ALLOW_PRIVATE"),
        ({"GREENROOM_DATABASE_URL": "mysql://db/greenroom"}, "database URL"),
        ({"GREENROOM_DATABASE_URL": "greenroom.db"}, "database URL"),
        ({"GREENROOM_PUBLIC_URL": "check.example.com"}, "public URL"),
        ({"GREENROOM_PUBLIC_URL": "javascript:alert(1)"}, "public URL"),
    ],
)
def test_bad_environment_values_raise_config_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(env)


@pytest.mark.parametrize(
    "overrides",
    [{"port": 70000}, {"max_sessions": 0}, {"measure_seconds": 400.0}, {"log_level": "TRACE"}],
)
def test_bad_overrides_raise_config_error(overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Settings.load({}, **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"port": 1},
        {"port": 65535},
        {"max_sessions": 1},
        {"measure_seconds": 1.0},
        {"measure_seconds": 9.5, "session_seconds": 77.6},
        {"measure_seconds": 60.0},
    ],
)
def test_values_at_the_limits_are_accepted(overrides: dict[str, Any]) -> None:
    Settings.load({}, **overrides)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize("seconds", ["inf", "nan", "0", "-5", "86401"])
def test_session_seconds_must_be_a_finite_positive_limit(seconds: str) -> None:
    with pytest.raises(ConfigError, match="session seconds"):
        Settings.load({"GREENROOM_SESSION_SECONDS": seconds})


TURN_SECRET = "s3cret-s3cret-s3cret"


def test_ice_servers_are_off_by_default() -> None:
    settings = Settings()
    assert (settings.stun_urls, settings.turn_urls, settings.turn_secret) == ((), (), "")
    assert settings.turn_credential_seconds == 3600


def test_ice_server_settings_from_the_environment() -> None:
    settings = Settings.load(
        {
            "GREENROOM_STUN_URLS": "stun:stun.example.com, stuns:[2001:db8::1]:5349",
            "GREENROOM_TURN_URLS": (
                "turn:turn.example.com:3478?transport=udp,"
                "turn:turn.example.com:3478?transport=tcp,turns:203.0.113.7:443?transport=tcp"
            ),
            "GREENROOM_TURN_SECRET": TURN_SECRET,
            "GREENROOM_TURN_CREDENTIAL_SECONDS": "900",
        }
    )
    assert settings.stun_urls == ("stun:stun.example.com", "stuns:[2001:db8::1]:5349")
    assert settings.turn_urls == (
        "turn:turn.example.com:3478?transport=udp",
        "turn:turn.example.com:3478?transport=tcp",
        "turns:203.0.113.7:443?transport=tcp",
    )
    assert settings.turn_secret == TURN_SECRET
    assert settings.turn_credential_seconds == 900


def test_the_turn_secret_stays_out_of_repr() -> None:
    settings = Settings(turn_urls=("turn:127.0.0.1",), turn_secret=TURN_SECRET)
    assert TURN_SECRET not in repr(settings)
    assert TURN_SECRET not in str(settings)


@pytest.mark.parametrize(
    "url",
    [
        "stun.example.com",
        "stun://stun.example.com",
        "stun:",
        "stun:stun.example.com:",
        "stun:stun.example.com:0",
        "stun:stun.example.com:65536",
        "stun:stun.example.com?transport=udp",
        "stun:stun.example.com/path",
        "stun:user@stun.example.com",
        "stun:[2001:db8::zz]",
        "turn:turn.example.com",
        "STUN:stun.example.com",
    ],
)
def test_stun_urls_must_be_stun_urls(url: str) -> None:
    with pytest.raises(ConfigError, match=r"STUN URL #1"):
        Settings.load({"GREENROOM_STUN_URLS": url})


@pytest.mark.parametrize(
    "url",
    [
        "turn.example.com:3478",
        "turn://turn.example.com",
        "http://turn.example.com",
        "stun:turn.example.com",
        "turn:",
        "turn:turn.example.com:99999",
        "turn:turn.example.com?transport=sctp",
        "turn:turn.example.com?transport=",
        "turn:turn.example.com?foo=bar",
        "turn:user:password@turn.example.com",
        "turn:-turn.example.com",
    ],
)
def test_turn_urls_must_be_turn_urls(url: str) -> None:
    with pytest.raises(ConfigError, match=r"TURN URL #2") as raised:
        Settings.load(
            {
                "GREENROOM_TURN_URLS": f"turn:turn.example.com,{url}",
                "GREENROOM_TURN_SECRET": TURN_SECRET,
            }
        )
    assert "example" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "turn:127.0.0.1",
        "turn:[::1]:3478",
        "turn:turn.example.com:1?transport=tcp",
        "turns:turn.example.com:65535?transport=tcp",
        "turns:turn",
    ],
)
def test_turn_urls_of_every_allowed_shape(url: str) -> None:
    assert Settings(turn_urls=(url,), turn_secret=TURN_SECRET).turn_urls == (url,)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GREENROOM_TURN_URLS": "turn:127.0.0.1"}, "need the TURN secret"),
        ({"GREENROOM_TURN_SECRET": TURN_SECRET}, "no TURN URLs"),
        ({"GREENROOM_TURN_URLS": "turn:127.0.0.1", "GREENROOM_TURN_SECRET": "short"}, "at least"),
        ({"GREENROOM_TURN_CREDENTIAL_SECONDS": "59"}, "credential seconds"),
        ({"GREENROOM_TURN_CREDENTIAL_SECONDS": "86401"}, "credential seconds"),
        ({"GREENROOM_TURN_CREDENTIAL_SECONDS": "1h"}, "GREENROOM_TURN_CREDENTIAL_SECONDS"),
    ],
)
def test_turn_settings_that_cannot_work_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        Settings.load(env)
    assert "short" not in str(raised.value)
    assert TURN_SECRET not in str(raised.value)


@pytest.mark.parametrize("seconds", ["60", "86400"])
def test_turn_credential_seconds_at_the_limits(seconds: str) -> None:
    assert Settings.load({"GREENROOM_TURN_CREDENTIAL_SECONDS": seconds}).turn_credential_seconds


def test_settings_survive_the_trip_through_the_environment() -> None:
    settings = Settings(
        port=9000,
        ice_addresses=("127.0.0.1", "10.0.0.1"),
        measure_seconds=3.5,
        turn_urls=("turn:turn.example.com:3478",),
        turn_secret="s" * 32,
        media_workers=2,
    )
    assert Settings.load(settings.as_env()) == settings


def test_mail_settings_from_the_environment() -> None:
    settings = Settings.load(
        {
            "GREENROOM_SMTP_URL": "smtp+starttls://user:secret@mail.example.com:587",
            "GREENROOM_MAIL_FROM": "Greenroom <reminders@example.com>",
            "GREENROOM_REMINDER_OFFSETS": "24h, 15m,1h",
            "GREENROOM_SCHEDULER_SECONDS": "10",
        }
    )
    assert settings.reminders_on
    assert settings.reminder_offsets == ("24h", "15m", "1h")
    assert settings.scheduler_seconds == 10.0
    assert "secret" not in repr(settings)


def test_without_an_smtp_url_reminders_are_off() -> None:
    assert not Settings().reminders_on


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GREENROOM_SMTP_URL": "smtp://mail.example.com"}, "GREENROOM_MAIL_FROM"),
        (
            {"GREENROOM_SMTP_URL": "smtp://u:p@mail.example.com", "GREENROOM_MAIL_FROM": "a@b.c"},
            "unencrypted",
        ),
        ({"GREENROOM_SMTP_URL": "ftp://x", "GREENROOM_MAIL_FROM": "a@b.c"}, "smtp://"),
        ({"GREENROOM_REMINDER_OFFSETS": "4m"}, "from 5m"),
        ({"GREENROOM_REMINDER_OFFSETS": "1h,60m"}, "twice"),
        ({"GREENROOM_REMINDER_OFFSETS": "soon"}, "like 24h"),
        ({"GREENROOM_SCHEDULER_SECONDS": "0"}, "scheduler seconds"),
    ],
)
def test_bad_mail_settings_stop_the_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(env)


@pytest.mark.parametrize("seconds", ["19.9", "3601", "nan", "inf"])
def test_the_webhook_lease_must_outlast_a_try(seconds: str) -> None:
    with pytest.raises(ConfigError, match="webhook lease"):
        Settings.load({"GREENROOM_WEBHOOK_LEASE_SECONDS": seconds})


@pytest.mark.parametrize("seconds", ["20", "3600"])
def test_the_webhook_lease_at_its_limits(seconds: str) -> None:
    settings = Settings.load({"GREENROOM_WEBHOOK_LEASE_SECONDS": seconds})
    assert settings.webhook_lease_seconds == float(seconds)


def test_private_candidates_are_refused_unless_allowed() -> None:
    assert Settings.load({}).ice_allow_private is False
    assert Settings.load({"GREENROOM_ICE_ALLOW_PRIVATE": "1"}).ice_allow_private is True
