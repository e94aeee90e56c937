"""The pull cursor's encoding: opaque, URL-safe, bound to its store, refused when tampered."""

from __future__ import annotations

import uuid

import pytest

from shared.protocol import PullRequest, validate
from sync_server.domain.changes.cursor import (
    START,
    CursorError,
    Position,
    decode_cursor,
    encode_cursor,
)

KEY = b"k" * 32
COMPANY, STORE, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    "position", [START, Position(1, 0), Position(0, 7), Position(2**63 - 1, 2**63 - 1)]
)
def test_a_cursor_round_trips_and_fits_the_protocol_pattern(position: Position) -> None:
    cursor = encode_cursor(KEY, COMPANY, STORE, position)
    assert decode_cursor(KEY, COMPANY, STORE, cursor) == position
    validate(PullRequest(protocol_version=1, cursor=cursor))  # URL-safe, at most 256


@pytest.mark.parametrize(
    ("key", "company", "store"),
    [(b"x" * 32, COMPANY, STORE), (KEY, OTHER, STORE), (KEY, COMPANY, OTHER)],
)
def test_a_cursor_is_refused_by_another_key_company_or_store(
    key: bytes, company: uuid.UUID, store: uuid.UUID
) -> None:
    cursor = encode_cursor(KEY, COMPANY, STORE, Position(5, 2))
    with pytest.raises(CursorError, match="another store or company"):
        decode_cursor(key, company, store, cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "1",
        "2.0.0.AAAAAAAAAAAA",
        "1.01.0.AAAAAAAAAAAA",
        "1.-1.0.AAAAAAAAAAAA",
        "1.0.0.AAAA",
        "1.0.0.AAAAAAAAAAAA.",
        "1.99999999999999999999.0.AAAAAAAAAAAA",
        "1.9223372036854775808.0.AAAAAAAAAAAA",
    ],
)
def test_malformed_or_out_of_range_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(KEY, COMPANY, STORE, cursor)
