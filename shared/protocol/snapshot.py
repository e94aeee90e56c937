"""The catalog snapshot: a fresh till's first pull in one streamed answer (protocol v1, additive).

A till with no cursor asks ``GET /api/v1/sync/snapshot`` instead of paging through the
whole feed. The answer is newline-delimited JSON, one document per line::

    {"protocol_version": 1, "cursor": "1.300005.3.xxxx"}          SnapshotHead
    [{"entity": "gst_rate", "op": "upsert", ...}, ...]            a batch of changes
    [{"entity": "product", "op": "upsert", ...}, ...]             ... more batches
    {"protocol_version": 1, "end": true, "changes": 300005}       SnapshotEnd

The batches hold every entity of the feed that is live for the till's store (upserts only:
deleted entities are not sent) exactly as the feed holds it, and ``cursor`` is the position
they were read at, so applying them and then pulling from ``cursor`` gives the same till as
pulling the whole feed. A body without its :class:`SnapshotEnd`, or whose count differs, was
cut and is thrown away whole.

Strict decoding of 300,000 changes with :class:`~shared.protocol.changes.Change` costs about
a second; :func:`decode_snapshot_batch` checks the same rules for products, barcodes and
prices for a fifth of that: msgspec checks types, lengths, ranges and time zones while it
decodes, and the rules it would check with a regular expression per value (no NUL in text,
HSN digits, printable barcodes, canonical ids) are checked once over each batch's column.
GST rates, users and store settings are few and decode as the strict change types. The
lean structs hold only strings, numbers and times (no cycles are possible), so they are kept
out of the garbage collector's sight (``gc=False``): a snapshot's 300,000 of them would
otherwise trigger collection after collection while they are decoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from shared.errors import MessageDecodeError
from shared.protocol._base import (
    AwareDatetime,
    NonNegativePaise,
    PositiveInt,
    ProtocolStruct,
    check_decimal,
    fail,
)
from shared.protocol.changes import (
    GstRateChange,
    StoreSettingsChange,
    Unit,
    UserChange,
)
from shared.protocol.messages import Cursor
from shared.protocol.versions import check_version

__all__ = (
    "SNAPSHOT_MEDIA_TYPE",
    "SnapshotBarcode",
    "SnapshotBatch",
    "SnapshotEnd",
    "SnapshotHead",
    "SnapshotPrice",
    "SnapshotProduct",
    "decode_snapshot_batch",
    "decode_snapshot_end",
    "decode_snapshot_head",
)

#: The media type of a snapshot body (one JSON document per line).
SNAPSHOT_MEDIA_TYPE = "application/x-ndjson"

_Id = Annotated[str, Meta(min_length=36, max_length=36)]
_Short = Annotated[str, Meta(min_length=1, max_length=64)]
_Text = Annotated[str, Meta(min_length=1, max_length=500)]
_Code = Annotated[str, Meta(min_length=1, max_length=48)]
_Quantity = Annotated[str, Meta(min_length=1, max_length=40)]

_IDS = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n)*")
_HSNS = re.compile(r"(?:[0-9]{2,8}\n)*")
_BARCODES = re.compile(r"(?:[\x21-\x7e]+\n)*")
_ONE = Decimal(1)


class SnapshotHead(ProtocolStruct, frozen=True, kw_only=True):
    """The first line of a snapshot: where the till's pull continues once it is applied.

    Attributes:
        protocol_version: the protocol version of this message.
        cursor: the feed position the snapshot was read at (a pull ``next_cursor``).
    """

    protocol_version: int
    cursor: Cursor

    def __post_init__(self) -> None:
        """Refuse a version this build does not speak."""
        check_version(self.protocol_version)


class SnapshotEnd(ProtocolStruct, frozen=True, kw_only=True):
    """The last line of a snapshot: proof that it was not cut, and how many changes it held.

    Attributes:
        protocol_version: the protocol version of this message.
        end: always true.
        changes: how many changes the batches carried.
    """

    protocol_version: int
    end: Literal[True]
    changes: Annotated[int, Meta(ge=0)]

    def __post_init__(self) -> None:
        """Refuse a version this build does not speak."""
        check_version(self.protocol_version)


# ------------------------------------------------------------------ the big three, lean
class _ProductRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    code: _Short
    name: _Text
    hsn: str
    unit: Unit
    price_includes_tax: bool
    mrp_paise: NonNegativePaise | None = None
    active: bool = True


class _BarcodeRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    product_id: _Id
    code: _Code
    quantity: _Quantity = "1"


class _PriceRow(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    product_id: _Id
    store_id: _Id | None = None
    unit_price_paise: NonNegativePaise
    effective_from: AwareDatetime
    effective_until: AwareDatetime | None = None


class _SnapshotChange(
    msgspec.Struct,
    tag_field="entity",
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    gc=False,
):
    """What every live change of a snapshot carries (each kind adds its tag and ``data``).

    Attributes:
        op: always ``upsert``.
        entity_id: the entity's id, canonical text.
        version: its version.
    """

    op: Literal["upsert"]
    entity_id: _Id
    version: PositiveInt


class SnapshotProduct(_SnapshotChange, tag="product", frozen=True):
    """A live product in a snapshot (the feed's ``ProductChange`` upsert, checked in bulk).

    Attributes:
        data: its data (the fields of :class:`~shared.protocol.changes.ProductData`).
    """

    data: _ProductRow


class SnapshotBarcode(_SnapshotChange, tag="barcode", frozen=True):
    """A live barcode in a snapshot (the fields of ``BarcodeData``; quantity as its text)."""

    data: _BarcodeRow


class SnapshotPrice(_SnapshotChange, tag="price", frozen=True):
    """A live price in a snapshot (the fields of ``PriceData``)."""

    data: _PriceRow


_Item = (
    SnapshotProduct
    | SnapshotBarcode
    | SnapshotPrice
    | GstRateChange
    | UserChange
    | (StoreSettingsChange)
)
_BATCH = msgspec.json.Decoder(list[_Item])
_HEAD = msgspec.json.Decoder(SnapshotHead)
_END = msgspec.json.Decoder(SnapshotEnd)


class SnapshotBatch(msgspec.Struct, kw_only=True):
    """One decoded and checked batch of a snapshot, by kind, in the order sent.

    Attributes:
        products: live products.
        barcodes: live barcodes.
        prices: live prices.
        others: GST rates, users and store settings (strict change types).
    """

    products: list[SnapshotProduct]
    barcodes: list[SnapshotBarcode]
    prices: list[SnapshotPrice]
    others: list[GstRateChange | UserChange | StoreSettingsChange]

    def __len__(self) -> int:
        """How many changes the batch holds."""
        return len(self.products) + len(self.barcodes) + len(self.prices) + len(self.others)


def _message(exc: msgspec.MsgspecError, where: str) -> MessageDecodeError:
    text = str(exc)
    path = where
    if " - at `$" in text:
        detail, _, located = text.rpartition(" - at `")
        path = where + located.rstrip("`")[1:]
        text = detail
    return MessageDecodeError(f"the snapshot is not valid: {text} - at `{path}`", path)


def _column(values: Sequence[str], pattern: re.Pattern[str], what: str, path: str) -> None:
    """Check every value of a column at once (one regular-expression pass over the column)."""
    if not values:
        return
    joined = "\n".join(values) + "\n"
    if pattern.fullmatch(joined) is not None:
        return
    for index, value in enumerate(values):  # the slow path only runs to name the culprit
        if pattern.fullmatch(value + "\n") is None:
            raise fail(path.format(index), f"{value!r} is not {what}")
    raise fail(path.format(0), f"a value is not {what}")  # pragma: no cover - a newline inside


_HEX_DIGITS = b"0123456789abcdef"
_ID_LAYOUT = b"----\n"  # what is left of a canonical id and its newline without hex digits


def _id_column(values: Sequence[str], path: str) -> None:
    """Check a column of canonical UUID texts at once, in a few byte-string passes.

    Equivalent to :func:`_column` with ``_IDS`` but about eight times faster (a snapshot
    checks 500,000 ids): the joined column must be 37 ASCII bytes a line, with ``-`` at
    offsets 8, 13, 18 and 23 and the newline at 36 of every line, and nothing but
    lowercase hex digits anywhere else.
    """
    if not values:
        return
    joined = "\n".join(values) + "\n"
    count = len(values)
    if len(joined) == 37 * count and joined.isascii():
        raw = joined.encode("ascii")
        hyphens = b"-" * count
        if (
            raw[36::37] == b"\n" * count
            and raw[8::37] == hyphens
            and raw[13::37] == hyphens
            and raw[18::37] == hyphens
            and raw[23::37] == hyphens
            and raw.translate(None, _HEX_DIGITS) == _ID_LAYOUT * count
        ):
            return
    _column(values, _IDS, "a canonical UUID", path)  # names the culprit


def _no_nul(values: Sequence[str], path: str) -> None:
    if "\x00" not in "".join(values):
        return
    for index, value in enumerate(values):
        if "\x00" in value:
            raise fail(path.format(index), "text may not contain a NUL character")


def _check_quantities(barcodes: Sequence[SnapshotBarcode]) -> None:
    seen: set[str] = {"1"}
    for index, row in enumerate(barcodes):
        text = row.data.quantity
        if text in seen:
            continue
        path = f"$[{index}].data.quantity"
        try:
            quantity = Decimal(text)
        except InvalidOperation:
            raise fail(path, f"expected a decimal, got {text!r}") from None
        if str(quantity) != text:
            raise fail(path, f"{text!r} is not a decimal as the server writes one")
        if quantity != _ONE:
            check_decimal(
                quantity,
                path,
                places=3,
                minimum=Decimal(0),
                maximum=Decimal(10_000),
                minimum_inclusive=False,
            )
        seen.add(text)


def _check_spans(prices: Sequence[SnapshotPrice]) -> None:
    for index, row in enumerate(prices):
        until: datetime | None = row.data.effective_until
        if until is not None and until <= row.data.effective_from:
            raise fail(
                f"$[{index}].data.effective_until", "effective_until must be after effective_from"
            )


def decode_snapshot_head(line: bytes) -> SnapshotHead:
    """Decode a snapshot's first line.

    Raises:
        UnsupportedProtocolVersion: the server speaks a version this build does not.
        MessageDecodeError: the line is not a :class:`SnapshotHead`.
    """
    try:
        return _HEAD.decode(line)
    except msgspec.MsgspecError as exc:
        raise _message(exc, "head$") from exc


def decode_snapshot_end(line: bytes) -> SnapshotEnd | None:
    """Decode a line as a snapshot's last line; ``None`` if it is a batch (a JSON array)."""
    if line[:1] == b"[":
        return None
    try:
        return _END.decode(line)
    except msgspec.MsgspecError as exc:
        raise _message(exc, "end$") from exc


def decode_snapshot_batch(line: bytes) -> SnapshotBatch:
    """Decode one batch line of a snapshot and check every protocol rule of its changes.

    Args:
        line: a JSON array of changes (upserts only).

    Returns:
        The batch, split by kind.

    Raises:
        MessageDecodeError: the batch is malformed or breaks a rule; ``path`` says where
            (``$[index]`` within its kind's list for the rules checked in bulk).
    """
    try:
        items = _BATCH.decode(line)
    except msgspec.MsgspecError as exc:
        raise _message(exc, "$") from exc
    batch = SnapshotBatch(products=[], barcodes=[], prices=[], others=[])
    kinds = {
        SnapshotProduct: batch.products,
        SnapshotBarcode: batch.barcodes,
        SnapshotPrice: batch.prices,
    }
    for item in items:
        kinds.get(type(item), batch.others).append(item)  # type: ignore[attr-defined]
    for change in batch.others:
        if change.op != "upsert":
            raise fail("$.op", "a snapshot carries live entities only, never a tombstone")
    products, barcodes, prices = batch.products, batch.barcodes, batch.prices
    ids = [p.entity_id for p in products] + [b.entity_id for b in barcodes]
    ids += [p.entity_id for p in prices]
    _id_column(ids, "$[{}].entity_id")
    owners = [b.data.product_id for b in barcodes] + [p.data.product_id for p in prices]
    owners += [p.data.store_id for p in prices if p.data.store_id is not None]
    _id_column(owners, "$[{}].data.product_id")
    _column([p.data.hsn for p in products], _HSNS, "an HSN code of 2-8 digits", "$[{}].data.hsn")
    _no_nul([p.data.code for p in products], "$[{}].data.code")
    _no_nul([p.data.name for p in products], "$[{}].data.name")
    _column([b.data.code for b in barcodes], _BARCODES, "a printable barcode", "$[{}].data.code")
    _check_quantities(barcodes)
    _check_spans(prices)
    return batch
