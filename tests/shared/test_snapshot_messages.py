"""The snapshot's lines decode with the same rules as the feed's changes, checked in bulk."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import MessageDecodeError, UnsupportedProtocolVersion
from shared.protocol import (
    BarcodeChange,
    BarcodeData,
    GstRateChange,
    GstRateData,
    PriceChange,
    PriceData,
    ProductChange,
    ProductData,
    decode_snapshot_batch,
    decode_snapshot_end,
    decode_snapshot_head,
    encode,
)
from shared.protocol.snapshot import _IDS, _id_column

PID = uuid.UUID("0190aaaa-0000-7000-8000-000000000001")
AT = datetime(2026, 1, 1, tzinfo=UTC)


def product(**data: object) -> bytes:
    fields = {
        "code": "SKU1",
        "name": "Marie",
        "hsn": "1905",
        "unit": "pcs",
        "price_includes_tax": True,
        **data,
    }
    return encode(ProductChange(op="upsert", entity_id=PID, version=1, data=ProductData(**fields)))  # type: ignore[arg-type]


def barcode(code: str = "8901234000010", quantity: str = "1") -> bytes:
    data = BarcodeData(product_id=PID, code=code, quantity=Decimal(quantity))
    return encode(BarcodeChange(op="upsert", entity_id=uuid.uuid4(), version=1, data=data))


def price(until: datetime | None = None) -> bytes:
    data = PriceData(product_id=PID, unit_price_paise=100, effective_from=AT, effective_until=until)
    return encode(PriceChange(op="upsert", entity_id=uuid.uuid4(), version=2, data=data))


def batch(*items: bytes) -> bytes:
    return b"[" + b",".join(items) + b"]"


def test_a_batch_splits_by_kind_and_keeps_the_feeds_values() -> None:
    rate = GstRateChange(
        op="upsert",
        entity_id=uuid.uuid4(),
        version=1,
        data=GstRateData(hsn="1905", rate=Decimal(18), effective_from=AT.date()),
    )
    decoded = decode_snapshot_batch(
        batch(product(), barcode(quantity="12"), price(AT + timedelta(days=1)), encode(rate))
    )
    assert len(decoded) == 4
    (p,), (b,), (r,), (g,) = decoded.products, decoded.barcodes, decoded.prices, decoded.others
    assert (p.entity_id, p.data.name, p.data.unit) == (str(PID), "Marie", "pcs")
    assert (b.data.product_id, b.data.quantity) == (str(PID), "12")
    assert r.data.effective_from == AT
    assert g == rate


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (batch(product(name="Ma\x00rie")), "NUL"),
        (batch(product(hsn="1905")).replace(b'"1905"', b'"19 5"'), "HSN"),
        (batch(barcode()).replace(b'"8901234000010"', b'"89 01"'), "printable barcode"),
        (batch(barcode(quantity="1.5")).replace(b'"1.5"', b'"x"'), "expected a decimal"),
        (batch(barcode(quantity="1.5")).replace(b'"1.5"', b'"+1.5"'), "as the server writes"),
        (batch(barcode(quantity="1.5")).replace(b'"1.5"', b'"0.0001"'), "decimal places"),
        (
            batch(price(AT + timedelta(days=1))).replace(
                b'"effective_until":"2026-01-02', b'"effective_until":"2025-01-01'
            ),
            "after",
        ),
        (batch(product()).replace(str(PID).encode(), str(PID).upper().encode()), "canonical UUID"),
        (
            batch(barcode()).replace(str(PID).encode(), b"0190aaaa-0000-7000-8000-00000000000Z"),
            "canonical UUID",
        ),
        (batch(product()).replace(b'"upsert"', b'"delete"'), "$[0].op"),
        (batch(product()).replace(b'"pcs"', b'"box"'), "$[0].data.unit"),
        (b"[{", "snapshot is not valid"),
    ],
)
def test_a_batch_breaking_a_rule_is_refused_naming_where(line: bytes, says: str) -> None:
    with pytest.raises(MessageDecodeError, match=pytest.importorskip("re").escape(says)):
        decode_snapshot_batch(line)


def test_a_tombstone_among_the_small_kinds_is_refused() -> None:
    gone = GstRateChange(op="delete", entity_id=uuid.uuid4(), version=2)
    with pytest.raises(MessageDecodeError, match="tombstone"):
        decode_snapshot_batch(batch(encode(gone)))


def test_head_and_end_lines() -> None:
    head = decode_snapshot_head(b'{"protocol_version":1,"cursor":"1.2.3.abcdefghijkl"}')
    assert head.cursor == "1.2.3.abcdefghijkl"
    end = decode_snapshot_end(b'{"protocol_version":1,"end":true,"changes":7}')
    assert end is not None
    assert end.changes == 7
    assert decode_snapshot_end(b"[]") is None
    with pytest.raises(MessageDecodeError, match="head"):
        decode_snapshot_head(b'{"protocol_version":1,"cursor":"has space"}')
    with pytest.raises(MessageDecodeError, match="end"):
        decode_snapshot_end(b'{"protocol_version":1,"end":false,"changes":7}')
    with pytest.raises((UnsupportedProtocolVersion, MessageDecodeError)):
        decode_snapshot_head(b'{"protocol_version":99,"cursor":"c"}')
    assert msgspec.json.decode(b"[]") == []


# the fast id check must accept exactly what the canonical-UUID pattern accepts: ids of 36
# characters (the decoder's length rule) drawn mostly from the right alphabet, so that
# near-misses (a hyphen moved, upper case, a newline, a non-ASCII digit) are common
_ID_CHARS = st.sampled_from("0123456789abcdef" * 4 + "-----AF\n٣é ")


@st.composite
def _id_texts(draw: st.DrawFn) -> str:
    how = draw(st.sampled_from(["replace", "swap", "random"]))
    if how == "random":
        return "".join(draw(st.lists(_ID_CHARS, min_size=36, max_size=36)))
    chars = list(str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))))
    at = draw(st.integers(0, 35))
    if how == "replace":
        chars[at] = draw(_ID_CHARS)
    else:  # a hyphen moved: the same characters, in the wrong places
        other = draw(st.integers(0, 35))
        chars[at], chars[other] = chars[other], chars[at]
    return "".join(chars)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_id_texts(), st.uuids().map(str)), max_size=6))
def test_the_bulk_id_check_agrees_with_the_canonical_pattern(ids: list[str]) -> None:
    valid = all(_IDS.fullmatch(value + "\n") for value in ids)
    if valid:
        _id_column(ids, "$[{}].entity_id")
    else:
        culprit = next(i for i, value in enumerate(ids) if not _IDS.fullmatch(value + "\n"))
        with pytest.raises(MessageDecodeError, match=re.escape(f"$[{culprit}].entity_id")):
            _id_column(ids, "$[{}].entity_id")


@pytest.mark.parametrize("place", [8, 13, 18, 23])
def test_an_id_with_a_hyphen_moved_out_of_its_place_is_refused(place: int) -> None:
    chars = list(str(PID))
    chars[place], chars[place + 2] = chars[place + 2], chars[place]
    moved = "".join(chars)
    with pytest.raises(MessageDecodeError, match=re.escape("$[1].entity_id")):
        _id_column([str(PID), moved], "$[{}].entity_id")
