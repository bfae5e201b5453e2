"""Origins allowed to embed the check go into a response header: only true origins pass."""

from __future__ import annotations

import pytest

from server.store.orgs import InvalidOrigin, parse_origin, valid_origins
from server.web.candidate import page_headers


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://vendor.example", "https://vendor.example"),
        ("https://Vendor.EXAMPLE/", "https://vendor.example"),
        ("https://vendor.example:443", "https://vendor.example"),
        ("http://vendor.example:80", "http://vendor.example"),
        ("https://vendor.example:8443", "https://vendor.example:8443"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
        ("https://[0:0:0:0:0:0:0:1]:9000", "https://[::1]:9000"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_kept_as_a_browser_serialises_them(given: str, origin: str) -> None:
    assert parse_origin(given) == origin


@pytest.mark.parametrize(
    "given",
    [
        "vendor.example",
        "https://vendor.example/path",
        "https://vendor.example?x=1",
        "https://vendor.example#top",
        "https://user:pw@vendor.example",
        "ftp://vendor.example",
        "javascript://vendor.example",
        "https://*.vendor.example",
        "*",
        "'self'",
        "https://vendor.example https://evil.example",
        "https://vendor.example; script-src *",
        "https://vendor.example,evil.example",
        "https://vendor.example\r\nSet-Cookie: a=b",
        "https://vendor.example\n",
        " https://vendor.example",
        "https://vendor.example:0",
        "https://vendor.example:65536",
        "https://vendor..example",
        "https://-vendor.example",
        "https://vendor.example.",
        "https://bücher.example",
        "https://999.1.1.1",
        "https://[::g]",
        "https://" + "a" * 300 + ".example",
        "",
    ],
)
def test_anything_else_is_refused(given: str) -> None:
    with pytest.raises(InvalidOrigin, match="not an origin"):
        parse_origin(given)


def test_stored_lists_are_filtered_and_deduplicated() -> None:
    stored = ["https://a.example", "https://A.example:443", "https://b.example; x", "http://c:81"]
    assert valid_origins(stored) == ("https://a.example", "http://c:81")


def test_the_page_is_framable_only_by_the_listed_origins() -> None:
    csp = page_headers(("https://a.example", "http://localhost:8080"))["Content-Security-Policy"]
    assert csp.endswith("; frame-ancestors https://a.example http://localhost:8080")
    assert page_headers(())["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    assert csp.count("frame-ancestors") == 1
