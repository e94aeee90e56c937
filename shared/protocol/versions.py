"""Which sync protocol versions this build speaks, and how a till and the server agree on one.

The till opens with :class:`~shared.protocol.messages.Hello` listing every version it speaks;
the server answers with the highest one both sides speak (:func:`negotiate`). After that,
every push and pull message carries ``protocol_version`` and a receiver refuses a version it
does not speak (:func:`check_version`) before it looks at the body, because the body of an
unknown version may have any shape.

A new version is added, never edited in place: bump :data:`PROTOCOL_VERSION`, keep the old
number in :data:`SUPPORTED_VERSIONS` while tills in the field still speak it, and upcast old
payloads on the server.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import MessageDecodeError, UnsupportedProtocolVersion

__all__ = (
    "PROTOCOL_VERSION",
    "SUPPORTED_VERSIONS",
    "check_version",
    "negotiate",
)

#: The version this build writes.
PROTOCOL_VERSION = 1

#: Every version this build reads, oldest first.
SUPPORTED_VERSIONS: tuple[int, ...] = (1,)


def check_version(version: int) -> int:
    """Accept ``version`` if this build speaks it.

    Args:
        version: the ``protocol_version`` a message carries.

    Returns:
        ``version``, unchanged.

    Raises:
        UnsupportedProtocolVersion: this build does not speak ``version``.
    """
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedProtocolVersion(version, SUPPORTED_VERSIONS)
    return version


def negotiate(client_versions: Iterable[int]) -> int:
    """Pick the protocol version for a session: the highest one both sides speak.

    Args:
        client_versions: every version the client speaks, in any order.

    Returns:
        The highest version in both ``client_versions`` and :data:`SUPPORTED_VERSIONS`.

    Raises:
        MessageDecodeError: the client offered no version at all.
        UnsupportedProtocolVersion: no version in common; ``version`` is the client's highest.
    """
    offered = set(client_versions)
    if not offered:
        raise MessageDecodeError(
            "the client offered no protocol version - at `$.protocol_versions`",
            "$.protocol_versions",
        )
    common = offered.intersection(SUPPORTED_VERSIONS)
    if not common:
        raise UnsupportedProtocolVersion(max(offered), SUPPORTED_VERSIONS)
    return max(common)
