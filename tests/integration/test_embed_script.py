"""`/embed.js` is the current loader, cached for minutes and revalidated cheaply;
`/embed.v1.<digest>.js` is one exact file, cached for good; any page may load either."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.web.embed import SCRIPT_PATH, accepts_gzip

Client = TestClient[Any, Any]
SCRIPT = SCRIPT_PATH.read_bytes()
DIGEST = hashlib.sha256(SCRIPT).hexdigest()[:12]


async def test_embed_js_is_the_current_loader_for_five_minutes(client: Client) -> None:
    response = await client.get("/embed.js", headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    assert await response.read() == SCRIPT
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["ETag"] == f'W/"{DIGEST}"'
    assert response.headers["Link"] == f'</embed.v1.{DIGEST}.js>; rel="canonical"'
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in response.headers


async def test_the_pinned_address_is_cached_for_good(client: Client) -> None:
    response = await client.get(f"/embed.v1.{DIGEST}.js", headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    assert await response.read() == SCRIPT
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Link" not in response.headers


async def test_an_old_pinned_address_leads_to_the_current_loader(client: Client) -> None:
    response = await client.get("/embed.v1.000000000000.js", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/embed.js"
    assert response.headers["Cache-Control"] == "no-store"
    for path in ("/embed.v1.xyz.js", f"/embed.v2.{DIGEST}.js", f"/embed.v1.{DIGEST}0.js"):
        assert (await client.get(path, allow_redirects=False)).status == 404, path


async def test_gzipped_when_asked_and_revalidated_without_a_body(client: Client) -> None:
    response = await client.get(
        "/embed.js", headers={"Accept-Encoding": "gzip, deflate"}, auto_decompress=False
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    sent = await response.read()
    assert gzip.decompress(sent) == SCRIPT
    # The budget of docs/embedding.md, as sent (docs/benchmarks.md has the figure).
    assert len(sent) <= 4096, len(sent)
    for tag in (f'W/"{DIGEST}"', f'"{DIGEST}"', f'"other", W/"{DIGEST}"'):
        again = await client.get("/embed.js", headers={"If-None-Match": tag})
        assert again.status == 304, tag
        assert await again.read() == b""
        assert again.headers["Cache-Control"] == "public, max-age=300"
    changed = await client.get("/embed.js", headers={"If-None-Match": 'W/"000000000000"'})
    assert changed.status == 200


async def test_head_answers_like_get(client: Client) -> None:
    response = await client.head("/embed.js")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize(
    ("header", "gzipped"),
    [
        ("gzip", True),
        ("GZIP;q=0.5, br", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("*;q=1, gzip;q=0", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding(header: str, gzipped: bool) -> None:
    assert accepts_gzip(header) is gzipped
