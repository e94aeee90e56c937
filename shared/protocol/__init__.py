"""The sync protocol between tills and the server (v1), shared by both and owned by neither.

Messages are msgspec structs: immutable, unknown fields rejected, decoded strictly by
:func:`decode`. Money is integer paise, quantities and rates are decimal strings, ids are
UUIDs (event ids UUIDv7), date-times carry a UTC offset. The apps import from here only::

    from shared.protocol import PushBatch, decode, encode

Modules: :mod:`~shared.protocol.versions` (handshake rules), :mod:`~shared.protocol.events`
(facts a till pushes), :mod:`~shared.protocol.changes` (data the server sends down),
:mod:`~shared.protocol.messages` (the envelopes), :mod:`~shared.protocol.snapshot` (a
fresh till's first pull in one answer) and :mod:`~shared.protocol.codec` (JSON).
"""

from __future__ import annotations

from shared.protocol._base import MAX_PAISE, ProtocolStruct
from shared.protocol.changes import (
    BarcodeChange,
    BarcodeData,
    Change,
    GstRateChange,
    GstRateData,
    PriceChange,
    PriceData,
    ProductChange,
    ProductData,
    StoreSettingsChange,
    StoreSettingsData,
    UserChange,
    UserData,
)
from shared.protocol.codec import (
    ReceivedBatch,
    UndecodableEvent,
    decode,
    encode,
    read_push_batch,
    validate,
)
from shared.protocol.events import (
    GENESIS_HASH,
    AuditRecorded,
    CashMoved,
    DenominationCount,
    Event,
    EventPayload,
    Payment,
    RefundIssued,
    RefundLine,
    RefundTender,
    SaleCompleted,
    SaleLine,
    SaleVoided,
    ShiftClosed,
    ShiftOpened,
    ShiftTotals,
    StockCounted,
    TenderTotal,
    audit_hash,
)
from shared.protocol.messages import (
    MAX_EVENTS_PER_BATCH,
    MAX_PULL_LIMIT,
    EventAck,
    Hello,
    PullPage,
    PullRequest,
    PushAck,
    PushBatch,
    TerminalStatus,
    Welcome,
)
from shared.protocol.snapshot import (
    SNAPSHOT_MEDIA_TYPE,
    SnapshotBarcode,
    SnapshotBatch,
    SnapshotEnd,
    SnapshotHead,
    SnapshotPrice,
    SnapshotProduct,
    decode_snapshot_batch,
    decode_snapshot_end,
    decode_snapshot_head,
)
from shared.protocol.versions import (
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    check_version,
    negotiate,
)

__all__ = (
    "GENESIS_HASH",
    "MAX_EVENTS_PER_BATCH",
    "MAX_PAISE",
    "MAX_PULL_LIMIT",
    "PROTOCOL_VERSION",
    "SNAPSHOT_MEDIA_TYPE",
    "SUPPORTED_VERSIONS",
    "AuditRecorded",
    "BarcodeChange",
    "BarcodeData",
    "CashMoved",
    "Change",
    "DenominationCount",
    "Event",
    "EventAck",
    "EventPayload",
    "GstRateChange",
    "GstRateData",
    "Hello",
    "Payment",
    "PriceChange",
    "PriceData",
    "ProductChange",
    "ProductData",
    "ProtocolStruct",
    "PullPage",
    "PullRequest",
    "PushAck",
    "PushBatch",
    "ReceivedBatch",
    "RefundIssued",
    "RefundLine",
    "RefundTender",
    "SaleCompleted",
    "SaleLine",
    "SaleVoided",
    "ShiftClosed",
    "ShiftOpened",
    "ShiftTotals",
    "SnapshotBarcode",
    "SnapshotBatch",
    "SnapshotEnd",
    "SnapshotHead",
    "SnapshotPrice",
    "SnapshotProduct",
    "StockCounted",
    "StoreSettingsChange",
    "StoreSettingsData",
    "TenderTotal",
    "TerminalStatus",
    "UndecodableEvent",
    "UserChange",
    "UserData",
    "Welcome",
    "audit_hash",
    "check_version",
    "decode",
    "decode_snapshot_batch",
    "decode_snapshot_end",
    "decode_snapshot_head",
    "encode",
    "negotiate",
    "read_push_batch",
    "validate",
)
