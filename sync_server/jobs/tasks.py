"""The work of each scheduled job: plain async functions over the database, no scheduler.

Each takes the process's :class:`AppContext`, the business time ``now`` and a scope (one
company for an admin's manual run, ``None`` for every company) and returns a small result
for the job's run record.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sync_server.domain.stock.ledger import driver_connection
from sync_server.domain.stock.services import expire_reservations
from sync_server.lib.context import AppContext

__all__ = (
    "expire_enrolment_codes",
    "flag_silent_terminals",
    "purge_refresh_tokens",
    "release_expired_reservations",
)


async def release_expired_reservations(
    ctx: AppContext, now: datetime, company_id: uuid.UUID | None
) -> dict[str, Any]:
    """Settle expired reservations (their stock goes back) and delete long-closed ones."""
    done = await expire_reservations(
        ctx.db,
        now,
        company_id=company_id,
        retention=timedelta(days=ctx.settings.reservation_retention_days),
    )
    return {
        "expired": done.expired,
        "lines_released": done.lines_released,
        "deleted": done.deleted,
        "batches": done.batches,
    }


async def expire_enrolment_codes(
    ctx: AppContext, now: datetime, company_id: uuid.UUID | None
) -> dict[str, Any]:
    """Delete enrolment codes that expired unused (redeeming already refuses them)."""
    async with ctx.db.platform() as session:
        conn = await driver_connection(session)
        status = await conn.execute(
            "DELETE FROM enrolment_codes WHERE used_at IS NULL AND expires_at <= $1 "
            "AND ($2::uuid IS NULL OR company_id = $2)",
            now,
            company_id,
        )
    return {"deleted": int(status.split()[-1])}


async def purge_refresh_tokens(
    ctx: AppContext, now: datetime, company_id: uuid.UUID | None
) -> dict[str, Any]:
    """Delete refresh tokens past their expiry (they can refresh nothing any more)."""
    async with ctx.db.platform() as session:
        conn = await driver_connection(session)
        status = await conn.execute(
            "DELETE FROM refresh_tokens WHERE expires_at <= $1 "
            "AND ($2::uuid IS NULL OR company_id = $2)",
            now,
            company_id,
        )
    return {"deleted": int(status.split()[-1])}


_FLAG_SILENT = """
INSERT INTO sync_exceptions
    (company_id, id, kind, status, entity, entity_id, terminal_id, store_id, event_ids,
     detail, created_at)
SELECT t.company_id, gen_random_uuid(), 'terminal_silent', 'open', 'terminal', t.id, t.id,
       t.store_id, '{}'::uuid[],
       jsonb_build_object('last_seen_at', t.last_seen_at, 'silent_hours', $3::int,
                          'terminal_code', t.code),
       $1
FROM terminals AS t
WHERE t.status = 'active' AND coalesce(t.last_seen_at, t.enrolled_at) <= $2
  AND ($4::uuid IS NULL OR t.company_id = $4)
  AND NOT EXISTS (
      SELECT 1 FROM sync_exceptions AS e
      WHERE e.company_id = t.company_id AND e.kind = 'terminal_silent' AND e.status = 'open'
        AND e.entity_id = t.id)
"""

_HEAL_HEARD_FROM = """
UPDATE sync_exceptions AS e
SET status = 'resolved', resolution = 'self_healed', resolved_at = $1
FROM terminals AS t
WHERE e.kind = 'terminal_silent' AND e.status = 'open'
  AND t.company_id = e.company_id AND t.id = e.entity_id
  AND (t.status <> 'active' OR t.last_seen_at > e.created_at)
  AND ($2::uuid IS NULL OR e.company_id = $2)
"""


async def flag_silent_terminals(
    ctx: AppContext, now: datetime, company_id: uuid.UUID | None
) -> dict[str, Any]:
    """Flag terminals silent for ``terminal_silent_hours``; close flags that no longer hold.

    Each active terminal not heard from for that long gets one open ``terminal_silent`` sync
    exception; an open one closes itself (``self_healed``) once the terminal is heard from
    again or is revoked.
    """
    hours = ctx.settings.terminal_silent_hours
    async with ctx.db.platform() as session:
        conn = await driver_connection(session)
        healed = await conn.execute(_HEAL_HEARD_FROM, now, company_id)
        flagged = await conn.execute(
            _FLAG_SILENT, now, now - timedelta(hours=hours), hours, company_id
        )
    return {"flagged": int(flagged.split()[-1]), "healed": int(healed.split()[-1])}
