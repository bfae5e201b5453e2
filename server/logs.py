"""Logging that keeps candidates' addresses, links and session descriptions out of INFO."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

# aioice and aiortc log candidate pairs (IP addresses) at INFO.
CHATTY_LIBRARIES = ("aioice", "aiortc")
TOKEN_IN_PATH = re.compile(r"^/c/[^/]+")


def configure_logging(level: str) -> None:
    level = level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        for name in CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)


def redact_path(path: str) -> str:
    """A candidate link's token is a credential: it never reaches the log."""
    return TOKEN_IN_PATH.sub("/c/…", path)


class AccessLogger(AbstractAccessLogger):
    """Method, path (token redacted), status and duration; no client address, no user agent."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %d %.1fms",
            request.method,
            redact_path(request.path),
            response.status,
            time * 1000,
        )
