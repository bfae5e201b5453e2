"""Identifiers and secrets."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def new_id() -> str:
    return uuid.uuid4().hex


def new_token() -> str:
    """A candidate link token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def new_api_key() -> str:
    return "gr_" + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    # API keys carry 256 random bits, so a fast hash is enough; passwords get argon2 instead.
    return hashlib.sha256(key.encode()).hexdigest()
