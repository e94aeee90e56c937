"""The pull cursor: an opaque, URL-safe position in a company's feed and the global feed.

A cursor reads ``1.<company seq>.<global seq>.<tag>``. The tag is a keyed digest of the
company and store the cursor was issued to, so a cursor carried to another store or company
is refused instead of silently missing that store's earlier changes. Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

__all__ = ("START", "CursorError", "Position", "decode_cursor", "encode_cursor")

_FORMAT = re.compile(r"^1\.(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})\.([A-Za-z0-9_-]{12})$")
_MAX_SEQ = 2**63 - 1


class CursorError(ValueError):
    """A cursor that this server did not issue to this store (or that is malformed)."""


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where a till is: the last company and global ``seq`` it has applied.

    Attributes:
        company_seq: position in the company's feed (0: nothing yet).
        global_seq: position in the global feed (0: nothing yet).
    """

    company_seq: int = 0
    global_seq: int = 0


START = Position()
"""The position of a till that has pulled nothing."""


def _tag(key: bytes, company_id: uuid.UUID, store_id: uuid.UUID) -> str:
    mac = hmac.new(key, b"pull-cursor:" + company_id.bytes + store_id.bytes, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:9]).decode()


def encode_cursor(
    key: bytes, company_id: uuid.UUID, store_id: uuid.UUID, position: Position
) -> str:
    """Return the cursor for ``position``, bound to one company and store.

    Args:
        key: the server's secret key.
        company_id: the terminal's company.
        store_id: the terminal's store.
        position: where the till will be once it applied the page.

    Returns:
        A string matching the protocol's ``Cursor`` pattern.
    """
    tag = _tag(key, company_id, store_id)
    return f"1.{position.company_seq}.{position.global_seq}.{tag}"


def decode_cursor(key: bytes, company_id: uuid.UUID, store_id: uuid.UUID, cursor: str) -> Position:
    """Read a cursor issued by :func:`encode_cursor` for this company and store.

    Args:
        key: the server's secret key.
        company_id: the terminal's company.
        store_id: the terminal's store.
        cursor: the cursor the till sent.

    Returns:
        The position it names.

    Raises:
        CursorError: it is malformed, or was issued to another store or company (or by a
            server with another key).
    """
    match = _FORMAT.match(cursor)
    if match is None:
        raise CursorError(
            "the cursor is not one this server issues; send the next_cursor of the last "
            "page applied, or no cursor to start over"
        )
    company_seq, global_seq = int(match[1]), int(match[2])
    if company_seq > _MAX_SEQ or global_seq > _MAX_SEQ:
        raise CursorError("the cursor's position is out of range")
    if not hmac.compare_digest(match[3], _tag(key, company_id, store_id)):
        raise CursorError(
            "the cursor was issued to another store or company; pull without a cursor to start over"
        )
    return Position(company_seq, global_seq)
