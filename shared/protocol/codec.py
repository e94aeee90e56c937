"""Turning protocol messages into JSON bytes and back, strictly, with errors that say where.

:func:`decode` accepts exactly what the protocol says: no unknown fields, no type coercion
(``"12"`` is not ``12``, ``12.5`` is not paise), no naive date-times. Every failure becomes
:class:`~shared.errors.MessageDecodeError` whose ``path`` points into the message
(``$.events[3].payload.lines[0].unit_price_paise``), or
:class:`~shared.errors.UnsupportedProtocolVersion` when the message comes from a protocol
version this build does not speak, whatever else is wrong with it.

:func:`read_push_batch` is for the server: it decodes a batch's envelope strictly but each
event on its own, so one bad event is returned as :class:`UndecodableEvent` (to quarantine
with its raw bytes) instead of failing the whole batch and blocking the events behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from uuid import UUID

import msgspec

from shared.errors import MessageDecodeError, UnsupportedProtocolVersion
from shared.protocol._base import NO_NUL, ProtocolStruct, check_increasing, check_unique
from shared.protocol.events import Event
from shared.protocol.messages import TerminalStatus, _check_event_count
from shared.protocol.versions import SUPPORTED_VERSIONS, check_version

__all__ = (
    "ReceivedBatch",
    "UndecodableEvent",
    "decode",
    "encode",
    "read_push_batch",
    "validate",
)

M = TypeVar("M", bound=ProtocolStruct)

_ENCODER = msgspec.json.Encoder(decimal_format="string")
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_AT = " - at `"

_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<name>.+)`$")
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<name>.+)`$")
_NOT_INT = re.compile(r"^Expected `int[^`]*`, got `(?P<got>[a-z]+)`$")
_INVALID_TAG = re.compile(r"^Invalid value (?P<value>.+)$")
# msgspec ends messages with " - at `$.path`", or " - at `key` in `$.path`" for a dict key
_LOCATED = re.compile(r"^(?P<detail>.*) - at `(?P<key>key` in `)?(?P<path>\$[^`]*)`$", re.DOTALL)
_NAIVE = "Expected `datetime` with a timezone component"
_HAS_NUL = f"Expected `str` matching regex {NO_NUL!r}"


class _VersionProbe(msgspec.Struct):
    """Reads only ``protocol_version`` and ignores everything else."""

    protocol_version: int


class _RawPushBatch(ProtocolStruct, frozen=True, kw_only=True):
    """A push batch whose events are left undecoded."""

    protocol_version: int
    terminal_id: UUID
    status: TerminalStatus
    events: tuple[msgspec.Raw, ...]

    def __post_init__(self) -> None:
        check_version(self.protocol_version)
        _check_event_count(len(self.events))


@dataclass(frozen=True, slots=True)
class UndecodableEvent:
    """An event of a push batch that is invalid on its own; the server quarantines it.

    Attributes:
        index: its position in the batch.
        raw: its JSON exactly as received.
        error: what is wrong, with the path inside the batch.
        event_id: its id if that much could be read, else ``None``.
        seq: its seq if that much could be read, else ``None``.
        kind: its payload's kind if that much could be read, else ``None``.
    """

    index: int
    raw: bytes
    error: MessageDecodeError
    event_id: UUID | None
    seq: int | None
    kind: str | None


@dataclass(frozen=True, slots=True)
class ReceivedBatch:
    """A push batch as the server reads it: envelope checked, events decoded one by one.

    Attributes:
        protocol_version: the batch's protocol version.
        terminal_id: the terminal that sent it.
        status: the terminal's state.
        events: each event decoded, or an :class:`UndecodableEvent`, in batch order.
    """

    protocol_version: int
    terminal_id: UUID
    status: TerminalStatus
    events: tuple[Event | UndecodableEvent, ...]


def encode(message: ProtocolStruct) -> bytes:
    """Encode a message as compact JSON (decimals as strings, datetimes as RFC 3339).

    Args:
        message: any protocol struct.

    Returns:
        UTF-8 JSON bytes.
    """
    return _ENCODER.encode(message)


def decode(data: bytes | str, type: type[M]) -> M:
    """Decode ``data`` strictly as a ``type`` message.

    Args:
        data: JSON text.
        type: the message class expected, for example
            :class:`~shared.protocol.messages.PushBatch`.

    Returns:
        The message, with every protocol rule checked.

    Raises:
        UnsupportedProtocolVersion: the message carries a ``protocol_version`` this build
            does not speak (checked before any other complaint about the body).
        MessageDecodeError: the JSON is malformed or breaks a rule; ``path`` says where.
    """
    try:
        return cast(M, _decoder(type).decode(data))
    except msgspec.ValidationError as exc:
        if "protocol_version" in type.__struct_fields__:
            _refuse_unknown_version(data, exc)
        raise _translate(exc) from exc
    except msgspec.DecodeError as exc:
        raise _translate(exc) from exc


def validate(message: M) -> M:
    """Check every protocol rule on a message built in code, as a receiver would.

    Building a struct runs its ``__post_init__`` rules, but msgspec checks field limits
    (lengths, patterns, ranges, time zones) only while decoding; this runs both, so a till
    can refuse to store an event the server would reject.

    Args:
        message: any protocol struct.

    Returns:
        An equal message, as decoded from its own encoding.

    Raises:
        UnsupportedProtocolVersion: it carries a version this build does not speak.
        MessageDecodeError: it breaks a rule; ``path`` says where.
    """
    return decode(encode(message), type(message))


def read_push_batch(data: bytes | str) -> ReceivedBatch:
    """Decode a push batch for the server, keeping each invalid event apart.

    The envelope (version, terminal, status, 1 to 500 events) must be valid and the events'
    ``seq`` must increase and their ids not repeat, as far as they can be read; otherwise the
    whole batch is refused. An event that is invalid on its own becomes an
    :class:`UndecodableEvent` and the events after it are still decoded.

    Args:
        data: the request body.

    Returns:
        The batch, with every event decoded or marked undecodable.

    Raises:
        UnsupportedProtocolVersion: the batch's protocol version is not spoken here.
        MessageDecodeError: the envelope is invalid, or seq/event ids are out of order.
    """
    raw_batch = decode(data, _RawPushBatch)
    events: list[Event | UndecodableEvent] = []
    for index, raw in enumerate(raw_batch.events):
        try:
            events.append(_decoder(Event).decode(raw))
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            events.append(_undecodable(index, bytes(raw), _translate(exc, f"$.events[{index}]")))
    check_increasing(
        "$.events", "seq", ((i, e.seq) for i, e in enumerate(events) if e.seq is not None)
    )
    check_unique(
        "$.events",
        "event_id",
        ((i, e.event_id) for i, e in enumerate(events) if e.event_id is not None),
    )
    return ReceivedBatch(
        protocol_version=raw_batch.protocol_version,
        terminal_id=raw_batch.terminal_id,
        status=raw_batch.status,
        events=tuple(events),
    )


# ------------------------------------------------------------------ private
def _decoder(type_: type[Any]) -> msgspec.json.Decoder[Any]:
    decoder = _DECODERS.get(type_)
    if decoder is None:
        decoder = _DECODERS.setdefault(type_, msgspec.json.Decoder(type_, strict=True))
    return decoder


def _refuse_unknown_version(data: bytes | str, exc: Exception) -> None:
    # A newer peer's message may fail v1's schema anywhere; its version is the real problem,
    # so it is reported instead of the first schema complaint.
    try:
        probe = msgspec.json.decode(data, type=_VersionProbe, strict=True)
    except msgspec.MsgspecError:
        return
    if probe.protocol_version not in SUPPORTED_VERSIONS:
        raise UnsupportedProtocolVersion(probe.protocol_version, SUPPORTED_VERSIONS) from exc


def _split(message: str) -> tuple[str, str]:
    if match := _LOCATED.match(message):
        if match["key"]:
            return f"{match['detail']} (a key of this object)", match["path"]
        return match["detail"], match["path"]
    return message, "$"


def _join(outer: str, inner: str) -> str:
    return outer + inner[1:]


def _last_field(path: str) -> str:
    return path.rpartition(".")[2].partition("[")[0]


def _friendly(detail: str, path: str) -> tuple[str, str]:
    if match := _UNKNOWN_FIELD.match(detail):
        name = match["name"]
        return f"unknown field `{name}`; protocol v1 has no such field here", f"{path}.{name}"
    if match := _MISSING_FIELD.match(detail):
        name = match["name"]
        return f"missing required field `{name}`", f"{path}.{name}"
    if (match := _NOT_INT.match(detail)) and _last_field(path).endswith("_paise"):
        return (
            f"money is integer paise (Rs 12.50 is 1250), got a {match['got']}: {detail}",
            path,
        )
    if detail == _HAS_NUL:
        return "text cannot contain the NUL character (U+0000)", path
    if detail == _NAIVE:
        return "a date-time needs a UTC offset such as +05:30 or Z; naive times are ambiguous", path
    if (match := _INVALID_TAG.match(detail)) and _last_field(path) in {"kind", "entity"}:
        return f"unknown {_last_field(path)} {match['value']}", path
    return detail, path


def _translate(exc: msgspec.MsgspecError, prefix: str = "$") -> MessageDecodeError:
    if not isinstance(exc, msgspec.ValidationError):
        return MessageDecodeError(f"malformed JSON: {exc}", "")
    message, cause = str(exc), exc.__cause__
    if isinstance(cause, MessageDecodeError) and message.startswith(str(cause)):
        # raised by a struct's __post_init__: msgspec appends where that struct sits (nothing
        # for the top-level struct), and the cause's own path is relative to the struct
        detail = _split(str(cause))[0]
        path = _join(_split(message[len(str(cause)) :])[1], cause.path)
    else:
        detail, path = _split(message)
    detail, path = _friendly(detail, path)
    path = _join(prefix, path)
    return MessageDecodeError(f"{detail}{_AT}{path}`", path)


def _undecodable(index: int, raw: bytes, error: MessageDecodeError) -> UndecodableEvent:
    # read what identifies the event, leniently, so the quarantine row can be found later
    try:
        loose = msgspec.json.decode(raw)
    except msgspec.DecodeError:  # pragma: no cover - raw came out of a valid JSON document
        loose = None
    fields = loose if isinstance(loose, dict) else {}
    payload = fields.get("payload")
    kind = payload.get("kind") if isinstance(payload, dict) else None
    seq = fields.get("seq")
    return UndecodableEvent(
        index=index,
        raw=raw,
        error=error,
        event_id=_loose_uuid(fields.get("event_id")),
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        kind=kind if isinstance(kind, str) else None,
    )


def _loose_uuid(value: object) -> UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None
