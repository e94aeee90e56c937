"""Time-ordered ids (UUIDv7, RFC 9562) from an injected clock and entropy source.

A UUIDv7 is 48 bits of Unix time in milliseconds, the version ``7``, 12 bits ``rand_a``, the
variant ``10`` and 62 bits ``rand_b``. Ids made later sort later, which keeps the server's
``(company_id, event_id)`` primary key appending at the right edge of its index.

``shared`` may not read the clock or draw randomness, so both are passed in:

* :func:`uuid7` builds one id from a timestamp and ten bytes of entropy;
* :class:`IdFactory` calls an injected clock and entropy source and guarantees that ids it
  makes sort in the order they were made, even many within one millisecond or when the
  clock steps backwards.

The apps wire the real sources at their composition root, for example
``IdFactory(clock_ms=lambda: time.time_ns() // 1_000_000, entropy=os.urandom)``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from shared.errors import IdError

__all__ = (
    "ENTROPY_BYTES",
    "IdFactory",
    "is_uuid7",
    "uuid7",
    "uuid7_time",
)

#: How many bytes of entropy :func:`uuid7` takes (80 bits, of which the first 74 are used).
ENTROPY_BYTES = 10

_MAX_MS = (1 << 48) - 1
_RAND_BITS = 74
_VERSION_7 = 0x7 << 76
_VARIANT_10 = 0b10 << 62

# The factory follows RFC 9562 section 6.2 "Method 1": a counter in the leftmost random bits
# (all 12 of rand_a and the top 30 of rand_b) and fresh random bits after it. The counter is
# seeded randomly each millisecond with its top bit clear, so at least 2**41 ids fit in one
# millisecond before the timestamp has to move on.
_TAIL_BITS = 32
_COUNTER_BITS = _RAND_BITS - _TAIL_BITS
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1
_COUNTER_SEED_MASK = (1 << (_COUNTER_BITS - 1)) - 1
_TAIL_MASK = (1 << _TAIL_BITS) - 1


def _check_ms(unix_ms: object) -> int:
    # bool is an int subclass, but True as a timestamp is always a bug
    if not isinstance(unix_ms, int) or isinstance(unix_ms, bool):
        raise IdError(
            f"a UUIDv7 timestamp is whole milliseconds (int), got {type(unix_ms).__name__}"
        )
    if not 0 <= unix_ms <= _MAX_MS:
        raise IdError(
            f"a UUIDv7 timestamp must be between 0 and {_MAX_MS} ms since 1970, got {unix_ms}"
        )
    return unix_ms


def _random_bits(entropy: object) -> int:
    if not isinstance(entropy, bytes | bytearray):
        raise IdError(f"UUIDv7 entropy is bytes, got {type(entropy).__name__}")
    if len(entropy) != ENTROPY_BYTES:
        raise IdError(f"UUIDv7 entropy must be exactly {ENTROPY_BYTES} bytes, got {len(entropy)}")
    return int.from_bytes(entropy, "big") >> (ENTROPY_BYTES * 8 - _RAND_BITS)


def _compose(unix_ms: int, rand74: int) -> uuid.UUID:
    rand_a = rand74 >> 62
    rand_b = rand74 & ((1 << 62) - 1)
    return uuid.UUID(int=(unix_ms << 80) | _VERSION_7 | (rand_a << 64) | _VARIANT_10 | rand_b)


def _rand74(value: uuid.UUID) -> int:
    rand_a = (value.int >> 64) & 0xFFF
    rand_b = value.int & ((1 << 62) - 1)
    return rand_a << 62 | rand_b


def uuid7(unix_ms: int, entropy: bytes) -> uuid.UUID:
    """Build a UUIDv7 from a Unix timestamp in milliseconds and ten bytes of entropy.

    Args:
        unix_ms: milliseconds since 1970-01-01 UTC, ``0 <= unix_ms < 2**48``.
        entropy: exactly :data:`ENTROPY_BYTES` random bytes; their first 74 bits become
            ``rand_a`` and ``rand_b``.

    Returns:
        The id, with version 7 and the RFC 9562 variant.

    Raises:
        IdError: the timestamp is not an int in range, or the entropy is not 10 bytes.
    """
    return _compose(_check_ms(unix_ms), _random_bits(entropy))


def is_uuid7(value: uuid.UUID) -> bool:
    """Tell whether ``value`` is a version 7 UUID with the RFC 9562 variant.

    Args:
        value: any UUID.

    Returns:
        ``True`` for a UUIDv7, ``False`` for any other version or variant.
    """
    return value.version == 7 and value.variant == uuid.RFC_4122


def uuid7_time(value: uuid.UUID) -> int:
    """Read the Unix timestamp in milliseconds out of a UUIDv7.

    Args:
        value: a UUIDv7.

    Returns:
        Milliseconds since 1970-01-01 UTC.

    Raises:
        IdError: ``value`` is not a UUIDv7, so it carries no such timestamp.
    """
    if not is_uuid7(value):
        raise IdError(f"{value} is not a UUIDv7 (version {value.version}), it has no timestamp")
    return value.int >> 80


class IdFactory:
    """Makes UUIDv7s that sort in the order they were made.

    Within one millisecond, and when the clock steps backwards, the factory keeps the last
    timestamp and counts up (RFC 9562 section 6.2, method 1), so a burst of ids, such as the
    events of one sale, sorts in creation order. Each id still carries 32 fresh random bits.
    It is safe to share between threads.

    After a restart, pass the newest id already stored as ``after`` so a clock that was set
    back while the app was down cannot make new ids sort before old ones.
    """

    def __init__(
        self,
        clock_ms: Callable[[], int],
        entropy: Callable[[int], bytes],
        after: uuid.UUID | None = None,
    ) -> None:
        """Create a factory.

        Args:
            clock_ms: returns the current Unix time in milliseconds.
            entropy: returns ``n`` random bytes when called with ``n`` (like ``os.urandom``).
            after: an id that every id from this factory must sort after.

        Raises:
            IdError: ``after`` is not a UUIDv7.
        """
        self._clock_ms = clock_ms
        self._entropy = entropy
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0
        if after is not None:
            self._last_ms = uuid7_time(after)
            self._counter = _rand74(after) >> _TAIL_BITS

    def __call__(self) -> uuid.UUID:
        """Make the next id.

        Returns:
            A UUIDv7 greater than every id this factory made before.

        Raises:
            IdError: the clock or the entropy source returned something unusable.
        """
        with self._lock:
            now = _check_ms(self._clock_ms())
            bits = _random_bits(self._entropy(ENTROPY_BYTES))
            tail = bits & _TAIL_MASK
            if now > self._last_ms:
                self._last_ms = now
                self._counter = (bits >> _TAIL_BITS) & _COUNTER_SEED_MASK
            elif self._counter < _COUNTER_MAX:
                self._counter += 1
            else:
                # counter exhausted: borrow the next millisecond rather than break the order
                self._last_ms = _check_ms(self._last_ms + 1)
                self._counter = (bits >> _TAIL_BITS) & _COUNTER_SEED_MASK
            return _compose(self._last_ms, self._counter << _TAIL_BITS | tail)
