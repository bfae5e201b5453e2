"""The loader vendors put on their pages (`widget/embed.js`, docs/embedding.md), at two addresses:
`/embed.js`, always the current loader, cached for five minutes; and `/embed.v1.<digest>.js`,
this exact file, cached for good. A digest this server does not have (a page pinned before an
upgrade) redirects to `/embed.js`, so an old pinned address keeps working (an `integrity`
attribute then refuses the new file, as it should)."""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from server.web.candidate import WIDGET_DIR

SCRIPT_PATH = WIDGET_DIR / "embed.js"
PROTOCOL_VERSION = 1
"""The `v` of the postMessage protocol; the versioned address carries it."""
CURRENT_CACHE = "public, max-age=300"
PINNED_CACHE = "public, max-age=31536000, immutable"
SCRIPT_HEADERS = {
    "Content-Type": "text/javascript; charset=utf-8",
    # Any page may load it, with `integrity` (CORS) and under Cross-Origin-Embedder-Policy.
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Vary": "Accept-Encoding",
}


@dataclass(frozen=True)
class EmbedScript:
    """The loader as it is served: read once at start, compressed once."""

    body: bytes
    gzipped: bytes
    digest: str
    """The first 12 hex digits of the file's SHA-256."""

    @classmethod
    def load(cls, path: Path = SCRIPT_PATH) -> EmbedScript:
        body = path.read_bytes()
        # mtime=0: the same file compresses to the same bytes on every start and machine.
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        return cls(body=body, gzipped=gzipped, digest=hashlib.sha256(body).hexdigest()[:12])

    @property
    def pinned_path(self) -> str:
        return f"/embed.v{PROTOCOL_VERSION}.{self.digest}.js"

    @property
    def etag(self) -> str:
        # Weak: the gzipped and the plain bytes are the same script.
        return f'W/"{self.digest}"'


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether `Accept-Encoding` takes gzip: named with a quality above 0, or by `*`."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        quality = params.strip().removeprefix("q=") or "1"
        try:
            qualities[coding.strip()] = float(quality)
        except ValueError:
            qualities[coding.strip()] = 0.0
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def not_modified(if_none_match: str, script: EmbedScript) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or f'"{script.digest}"' in tags


def script_response(request: web.Request, script: EmbedScript, cache: str) -> web.Response:
    headers = {**SCRIPT_HEADERS, "Cache-Control": cache, "ETag": script.etag}
    if not_modified(request.headers.get("If-None-Match", ""), script):
        return web.Response(status=304, headers=headers)
    if accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return web.Response(body=script.gzipped, headers={**headers, "Content-Encoding": "gzip"})
    return web.Response(body=script.body, headers=headers)


async def current(script: EmbedScript, request: web.Request) -> web.Response:
    response = script_response(request, script, CURRENT_CACHE)
    response.headers["Link"] = f'<{script.pinned_path}>; rel="canonical"'
    return response


async def pinned(script: EmbedScript, request: web.Request) -> web.Response:
    if request.match_info["digest"] != script.digest:
        raise web.HTTPFound("/embed.js", headers={"Cache-Control": "no-store"})
    return script_response(request, script, PINNED_CACHE)


def add_embed_script(app: web.Application, script: EmbedScript | None = None) -> None:
    """`GET /embed.js` and `GET /embed.v1.<digest>.js` on `app` (HEAD too)."""
    loaded = script or EmbedScript.load()
    app.router.add_get("/embed.js", functools.partial(current, loaded))
    app.router.add_get(
        f"/embed.v{PROTOCOL_VERSION}.{{digest:[0-9a-f]{{12}}}}.js",
        functools.partial(pinned, loaded),
    )
