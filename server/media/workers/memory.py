"""Giving a media worker's freed memory back to the system.

Every session runs aiortc's decoder threads (one per incoming track) and frees everything it
allocated when it ends: no Python object of a closed session is left. glibc's allocator,
though, keeps freed heap for reuse, in one arena per thread that ever allocated (up to eight
per core), and arenas that threads came and went through fragment. Measured from outside, a
worker's resident memory then creeps up session after session (`docs/benchmarks.md`). Two
arenas (`ARENA_MAX`, for the worker's environment) and a trim after sessions have ended keep it
flat."""

from __future__ import annotations

import ctypes
from collections.abc import Callable

ARENA_MAX = "2"
"""glibc's MALLOC_ARENA_MAX for media workers, unless the environment sets its own."""


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        # The running program's own symbols, the C library's among them.
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        # Not glibc (musl, macOS): nothing to trim this way.
        return None
    return trim


_TRIM = _malloc_trim()


def release_free_memory() -> None:
    """Return the allocator's free heap to the system (a no-op without glibc). ctypes releases
    the GIL for the call, so it can run in a thread while the event loop goes on."""
    if _TRIM is not None:
        _TRIM(0)
