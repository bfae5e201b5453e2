"""Password hashing with argon2id (argon2-cffi's default profile), always off the event loop:
one hash takes tens of milliseconds of CPU by design."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Verified:
    ok: bool
    new_hash: str | None = None
    """A rehash under the current profile, when the stored hash was made under an older one."""


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str, password: str) -> Verified:
    return await asyncio.to_thread(_verify, stored_hash, password)


def _verify(stored_hash: str, password: str) -> Verified:
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return Verified(ok=False)
    if _hasher.check_needs_rehash(stored_hash):
        return Verified(ok=True, new_hash=_hasher.hash(password))
    return Verified(ok=True)


DECOY_HASH = _hasher.hash("not anyone's password")
"""Verified against when no account has the address, so that an unknown address takes as long
to refuse as a wrong password."""
