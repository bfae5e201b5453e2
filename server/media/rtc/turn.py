"""ICE servers for the candidate's browser, with TURN credentials in coturn's REST API scheme.

coturn (`use-auth-secret`) accepts username `"<unix expiry>:<id>"` with password
base64(HMAC-SHA1(secret, username)), so a page gets a credential of its own that stops working
at its expiry, and the secret itself never leaves the server. coturn checks the expiry when a
relay is allocated; an allocation made in time lives on until the browser lets it go.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime

from server.config import Settings
from server.models.check import IceServer

USER_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""coturn logs the username: an opaque id, never a name or an email address."""


def turn_credentials(secret: str, ttl_seconds: int, now: datetime, user_id: str) -> tuple[str, str]:
    """A (username, password) pair that coturn accepts until `now + ttl_seconds`."""
    if not secret:
        raise ValueError("a TURN secret is required")
    if ttl_seconds <= 0:
        raise ValueError("a TURN credential needs a positive lifetime")
    if now.tzinfo is None:
        # A naive time would be read as local time, shifting the expiry by the UTC offset.
        raise ValueError("now must be timezone-aware")
    if not USER_ID_SHAPE.fullmatch(user_id):
        raise ValueError("a TURN user id is 1-64 characters of A-Z, a-z, 0-9, _ and -")
    username = f"{int(now.timestamp()) + ttl_seconds}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for_browser(settings: Settings, now: datetime, user_id: str) -> list[IceServer]:
    """The `iceServers` for one page: STUN as configured, TURN with a credential of its own."""
    servers: list[IceServer] = []
    if settings.stun_urls:
        servers.append(IceServer(urls=list(settings.stun_urls)))
    if settings.turn_urls:
        username, password = turn_credentials(
            settings.turn_secret, settings.turn_credential_seconds, now, user_id
        )
        servers.append(
            IceServer(urls=list(settings.turn_urls), username=username, credential=password)
        )
    return servers
