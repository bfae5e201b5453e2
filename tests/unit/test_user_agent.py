"""A coarse reading of User-Agent headers: browser name, major version, operating system."""

from __future__ import annotations

import pytest

from server.web.user_agent import describe_browser

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "name", "version", "system"),
    [
        pytest.param(CHROME_WINDOWS, "Chrome", "131", "Windows", id="chrome-windows"),
        pytest.param(
            CHROME_WINDOWS + " Edg/131.0.2903.70", "Edge", "131", "Windows", id="edge-windows"
        ),
        pytest.param(
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox",
            "133",
            "Linux",
            id="firefox-linux",
        ),
        pytest.param(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
            "Safari",
            "17",
            "iOS",
            id="safari-ios",
        ),
        pytest.param(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "Safari",
            "18",
            "macOS",
            id="safari-macos",
        ),
        pytest.param(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome",
            "131",
            "Android",
            id="chrome-android",
        ),
        pytest.param(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "Chrome",
            "131",
            "iOS",
            id="chrome-ios",
        ),
        pytest.param(
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome",
            "131",
            "ChromeOS",
            id="chrome-chromeos",
        ),
        pytest.param(
            CHROME_WINDOWS + " OPR/115.0.0.0", "Opera", "115", "Windows", id="opera-windows"
        ),
    ],
)
def test_known_browsers(user_agent: str, name: str, version: str, system: str) -> None:
    assert describe_browser(user_agent).model_dump() == {
        "name": name,
        "version": version,
        "os": system,
    }


@pytest.mark.parametrize(
    "user_agent",
    ["", "garbage", "curl/8.5.0", "Mozilla/5.0", "\x00\xff<script>", "Chrome/", "Safari/605"],
)
def test_garbage_is_unknown(user_agent: str) -> None:
    assert describe_browser(user_agent).model_dump() == {
        "name": "unknown",
        "version": "",
        "os": "unknown",
    }


def test_only_the_first_512_characters_are_read() -> None:
    assert describe_browser("x" * 512 + CHROME_WINDOWS).name == "unknown"
    assert describe_browser(CHROME_WINDOWS + "y" * 100_000).name == "Chrome"
