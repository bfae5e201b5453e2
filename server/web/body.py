"""Request bodies: read within their model's size limit, then validated by the model."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from server.errors import PayloadTooLarge
from server.models.base import Body, decode

B = TypeVar("B", bound=Body)


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The whole body, however it is chunked, or 413 as soon as it passes `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"body larger than {limit} bytes")
    body = bytearray()
    while chunk := await request.content.read(limit + 1 - len(body)):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"body larger than {limit} bytes")
    return bytes(body)


async def read_body(request: web.Request, model: type[B]) -> B:
    """The body as `model`: 413 past its `max_bytes`, 400 when it is not JSON, 422 (with the
    model's `error_code`) when it has the wrong shape."""
    raw = await read_limited(request, model.max_bytes)
    return decode(model, raw, code=model.error_code)
