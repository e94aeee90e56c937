"""Sync exceptions: what reconciling a push found for an admin to review.

A :class:`Finding` never stops an event from being booked (DESIGN.md, conflict rules: the
till's facts are accepted); it is written to ``sync_exceptions`` in the same transaction
as the booking, with the events involved, so the admin sees exactly what caused it.

Kinds:

================== ================================================================
``oversell``        a sale (or other movement) took on-hand stock below zero
``superseded_price`` a sale line was charged at a price the server had already replaced
``late_for_shift``  a sale, refund or cash movement arrived after its shift was closed
``invoice_collision`` an invoice number was already used in that financial year
``credit_note_collision`` the same, for a credit note number
``seq_gap``         a terminal's events are missing a range of ``seq`` numbers
``seq_reused``      a terminal sent a new event with a ``seq`` it had used before
``audit_chain_broken`` an audit entry's hash or its link to the previous one is wrong
``void_before_sale`` a void arrived before the sale it voids (healed when the sale comes)
``sale_id_reused``  a new event carried a sale/refund id already booked by another event
================== ================================================================
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from sync_server.db.bulk import json_rows, json_table
from sync_server.lib.ids import new_id

__all__ = ("KINDS", "Finding", "insert_findings", "jsonb")

KINDS = (
    "oversell",
    "superseded_price",
    "late_for_shift",
    "invoice_collision",
    "credit_note_collision",
    "seq_gap",
    "seq_reused",
    "audit_chain_broken",
    "void_before_sale",
    "sale_id_reused",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One exception to record.

    Attributes:
        kind: one of :data:`KINDS`.
        entity: what it is about (``sale``, ``stock_level``, ``terminal``...).
        entity_id: that entity's id, if it has one.
        event_ids: the pushed events involved.
        detail: the facts an admin needs, JSON-serialisable.
        store_id: the store concerned, if any.
    """

    kind: str
    entity: str
    entity_id: uuid.UUID | None
    event_ids: tuple[uuid.UUID, ...]
    detail: dict[str, Any] = field(default_factory=dict)
    store_id: uuid.UUID | None = None


_INSERT = """
INSERT INTO sync_exceptions
    (company_id, id, kind, status, entity, entity_id, terminal_id, store_id, event_ids,
     detail, created_at)
SELECT $1, f.id, f.kind, 'open', f.entity, f.entity_id, $2, f.store_id,
       ARRAY(SELECT jsonb_array_elements_text(f.events)::uuid), f.detail, $3
FROM {rows} AS f
""".format(
    rows=json_table(
        "$4",
        "id uuid, kind text, entity text, entity_id uuid, store_id uuid, events jsonb, "
        "detail jsonb",
    )
)


async def insert_findings(
    conn: Any,
    company_id: uuid.UUID,
    terminal_id: uuid.UUID | None,
    findings: Sequence[Finding],
    now: datetime,
) -> None:
    """Write ``findings`` as open sync exceptions in the caller's transaction (one statement)."""
    if not findings:
        return
    rows = [
        (new_id(), f.kind, f.entity, f.entity_id, f.store_id, f.event_ids, f.detail)
        for f in findings
    ]
    await conn.execute(_INSERT, company_id, terminal_id, now, json_rows(rows))


def jsonb(value: Any) -> Any:
    """A jsonb column's value: SQLAlchemy's asyncpg codec decodes it; a bare one gives text."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value
