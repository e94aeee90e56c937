"""The audit log's hash chain, checked entry by entry.

Each entry's hash is :func:`shared.protocol.events.audit_hash` over the entry and the previous
entry's hash, starting from :data:`~shared.protocol.events.GENESIS_HASH`, the same function
the server checks with. Editing an entry changes its hash and deleting one breaks the next
entry's link, so :func:`verify_chain` points at the first entry that no longer fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from shared.protocol.events import GENESIS_HASH, audit_hash

__all__ = ("GENESIS_HASH", "AuditEntry", "link", "verify_chain")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One sensitive action at the till.

    Attributes:
        seq: position in the chain, from 1.
        event_id: the id the entry travels to the server under.
        occurred_at: when it happened (timezone-aware).
        action: what happened (``login``, ``pin_failed``, ``line_voided`` …), snake_case.
        actor_id: who did it (``None`` when nobody was identified, e.g. a wrong PIN).
        detail: further facts as text (amounts, numbers, the approving supervisor).
        prev_hash: the previous entry's hash.
        hash: this entry's hash.
    """

    seq: int
    event_id: UUID
    occurred_at: datetime
    action: str
    actor_id: UUID | None
    detail: Mapping[str, str] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""


def _hash_of(entry: AuditEntry, prev_hash: str) -> str:
    return audit_hash(
        prev_hash=prev_hash,
        event_id=entry.event_id,
        occurred_at=entry.occurred_at,
        action=entry.action,
        actor_id=entry.actor_id,
        detail=entry.detail,
    )


def link(entry: AuditEntry, prev: AuditEntry | None) -> AuditEntry:
    """Return ``entry`` chained after ``prev`` (``None`` for the first): seq and hashes set."""
    prev_hash = GENESIS_HASH if prev is None else prev.hash
    seq = 1 if prev is None else prev.seq + 1
    placed = AuditEntry(
        seq=seq,
        event_id=entry.event_id,
        occurred_at=entry.occurred_at,
        action=entry.action,
        actor_id=entry.actor_id,
        detail=dict(entry.detail),
        prev_hash=prev_hash,
    )
    return AuditEntry(
        seq=placed.seq,
        event_id=placed.event_id,
        occurred_at=placed.occurred_at,
        action=placed.action,
        actor_id=placed.actor_id,
        detail=placed.detail,
        prev_hash=prev_hash,
        hash=_hash_of(placed, prev_hash),
    )


def verify_chain(entries: Iterable[AuditEntry]) -> int | None:
    """Return the ``seq`` of the first entry that breaks the chain, or ``None`` if it holds.

    An entry breaks the chain when its ``seq`` is not one more than the previous entry's,
    its ``prev_hash`` is not the previous entry's hash, or its ``hash`` does not match it.
    """
    prev, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if (
            entry.seq != expected_seq
            or entry.prev_hash != prev
            or _hash_of(entry, prev) != entry.hash
        ):
            return entry.seq
        prev, expected_seq = entry.hash, entry.seq + 1
    return None
