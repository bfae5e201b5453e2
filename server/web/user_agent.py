"""A coarse reading of a User-Agent header: browser name, major version and OS, nothing more."""

from __future__ import annotations

import re

from server.models.result import Browser

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari" too.
BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/")),
)
SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)


def describe_browser(user_agent: str) -> Browser:
    user_agent = user_agent[:512]
    name, version = "unknown", ""
    for candidate, pattern in BROWSERS:
        match = pattern.search(user_agent)
        if match:
            name, version = candidate, match.group(1)
            break
    system = next((os for os, pattern in SYSTEMS if pattern.search(user_agent)), "unknown")
    return Browser(name=name, version=version, os=system)
