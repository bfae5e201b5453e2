"""Reading request bodies within a size limit."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from server.errors import InvalidInput, MalformedRequest, PayloadTooLarge


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


async def read_json_object(request: web.Request, limit: int) -> dict[str, Any]:
    body = await read_limited(request, limit)
    try:
        data = json.loads(body)
    # RecursionError: deeply nested arrays are valid JSON that Python's parser cannot hold.
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MalformedRequest("body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object")
    return data
