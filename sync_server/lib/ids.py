"""Server-generated identifiers: UUIDv7, so ids sort by creation time and index well."""

from __future__ import annotations

import os
import time
import uuid

__all__ = ("new_id",)


def new_id(now_ms: int | None = None) -> uuid.UUID:
    """Return a fresh UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.

    Args:
        now_ms: the timestamp to embed; the wall clock when ``None``. Ids only need to be
            roughly time-ordered, so the real clock is used even when a test injects another.
    """
    millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return uuid.UUID(int=value)
